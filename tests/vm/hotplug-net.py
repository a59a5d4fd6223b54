# SPDX-License-Identifier: GPL-2.0-only
# virtio-net queue pairs follow the online vCPU count: virtio_net picks
# min(online CPUs, max) only at probe, so a guest that grows from 2 to 4
# vCPUs keeps 2 queue pairs without lvos. With lvos_vcpu_hotplug the
# hot-added vCPUs bring the queues to 4, and an admin offlining one takes
# them down to 3. (Multiqueue needs a tap backend: the host runs as root.)
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import hpcommon  # noqa: E402

KERNELS = ["6.1", "debug"]
TIMEOUT = 240
QEMU = dict(machine=hpcommon.MACHINE, memory="384M", smp="2,maxcpus=4",
            args=["-netdev", "tap,id=n0,script=no,downscript=no,queues=4,vhost=off",
                  "-device", "virtio-net-pci,netdev=n0,mq=on,vectors=10"])
MODULES = ["virtio_net"]
OPTIONAL_MODULES = ["virtio_net"]   # built into the debug kernel
LVOS = hpcommon.LVOS

GUEST = hpcommon.HELPERS + r'''
rxq() { ls /sys/class/net/eth0/queues | grep -c rx-; }
has_rxq() { test "$(rxq)" = "$1"; }
vmtest_eq "2 queue pairs at probe (2 vCPUs)" "$(rxq)" 2
vmtest_log ready
vmtest_wait_host added 90
vmtest_check "cpu2 online" vmtest_wait_for 30 cpu_is_on 2
vmtest_check "cpu3 online" vmtest_wait_for 30 cpu_is_on 3
vmtest_check "queues follow to 4" vmtest_wait_for 30 has_rxq 4
vmtest_check "counted" test "$(hp queue_changes)" -ge 1
vmtest_check "admin offlines cpu3" sh -c 'echo 0 > /sys/devices/system/cpu/cpu3/online'
vmtest_check "queues follow to 3" vmtest_wait_for 30 has_rxq 3
vmtest_check "retune off" sh -c "echo 0 > $H/retune"
n0=$(hp notifications)
vmtest_check "admin onlines cpu3" sh -c 'echo 1 > /sys/devices/system/cpu/cpu3/online'
# the shape notification is sent after the retune pass for this change
vmtest_check "the change was handled" vmtest_wait_for 30 sh -c "test \$(cat $H/notifications) -gt $n0"
vmtest_eq "retune off: queues stay" "$(rxq)" 3
vmtest_eq "no failures" "$(hp failures)" 0
'''


def host(vm):
    q = vm.qmp_client
    vm.wait_line(r"# ready$", timeout=150)
    q.cpu_add("cpu-a")
    q.cpu_add("cpu-b")
    vm.send("added")
