# SPDX-License-Identifier: GPL-2.0-only
# lvos_vcpu_hotplug brings a hot-added vCPU online from inside the kernel
# (no udev in this guest), never re-onlines a vCPU an admin offlined,
# reports the add with its latency and sends the shape notification;
# QMP device_del of a vCPU completes (the guest ejects it) and is reported; with cpu_policy
# manual a hot-added vCPU stays offline and the report says why.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import hpcommon  # noqa: E402

KERNELS = ["6.1", "debug"]
TIMEOUT = 240
QEMU = dict(machine=hpcommon.MACHINE, memory="384M", smp="2,maxcpus=5")
LVOS = hpcommon.LVOS

GUEST = hpcommon.HELPERS + r'''
vmtest_eq "policy" "$(hp cpu_policy)" "auto (onlining)"
vmtest_eq "online at load" "$(hp online_cpus)" "0-1"
vmtest_eq "possible" "$(hp possible_cpus)" "0-4"
vmtest_eq "nothing yet" "$(hp last_event)" "none"
n0=$(hp notifications)
t0=$(vmtest_now_cs)
vmtest_log ready
vmtest_wait_host added-a 60
# the latency (ACPI event -> online) happened between t0 and now
hp_cpu_added 2 $t0
vmtest_eq "present" "$(hp present_cpus)" "0-2"
vmtest_check "shape notification sent" vmtest_wait_for 10 sh -c "test \$(cat $H/notifications) -gt $n0"
vmtest_check "admin offlines cpu1" sh -c 'echo 0 > /sys/devices/system/cpu/cpu1/online'
vmtest_check "bookkept as admin-offline" vmtest_wait_for 10 sh -c "test \"\$(cat $H/admin_offline_cpus)\" = 1"
vmtest_log ready-b
vmtest_wait_host added-b 60
vmtest_check "cpu3 comes online" vmtest_wait_for 30 cpu_is_on 3
vmtest_check "cpu3 reported" hp_wait_event cpu-add cpu3
vmtest_eq "cpu1 stays offline" "$(cpu_on 1)" 0
vmtest_eq "online list" "$(hp online_cpus)" "0,2-3"
vmtest_check "cpu_policy manual" sh -c "echo manual > $H/cpu_policy"
vmtest_eq "policy now" "$(hp cpu_policy)" "manual (not onlining)"
vmtest_log ready-c
vmtest_wait_host added-c 60
vmtest_check "manual: reported" hp_wait_event cpu-add cpu4
vmtest_eq "manual: outcome" "$(hp last_event_outcome)" "left offline (cpu_policy manual)"
vmtest_eq "manual: cpu4 offline" "$(cpu_on 4)" 0
vmtest_log ready-d
vmtest_wait_host removed-c 60
vmtest_check "offline cpu4 removal reported" hp_wait_event cpu-remove cpu4
vmtest_log ready-e
vmtest_wait_host removed-b 60
vmtest_check "online cpu3 removal reported" hp_wait_event cpu-remove cpu3
vmtest_check "cpu3 is gone" test ! -e /sys/devices/system/cpu/cpu3
vmtest_eq "present after removal" "$(hp present_cpus)" "0-2"
vmtest_eq "online after removal" "$(hp online_cpus)" "0,2"
vmtest_eq "no failures" "$(hp failures)" 0
vmtest_check "admin onlines cpu1 again" sh -c 'echo 1 > /sys/devices/system/cpu/cpu1/online'
vmtest_eq "admin-offline list empty" "$(hp admin_offline_cpus)" ""
vmtest_log "$(hp_state)"
vmtest_check "rmmod" rmmod lvos_vcpu_hotplug
'''


def host(vm):
    q = vm.qmp_client
    vm.wait_line(r"# ready$", timeout=120)
    q.cpu_add("cpu-a")
    vm.send("added-a")
    vm.wait_line(r"# ready-b", timeout=120)
    q.cpu_add("cpu-b")
    vm.send("added-b")
    vm.wait_line(r"# ready-c", timeout=120)
    q.cpu_add("cpu-c")
    vm.send("added-c")
    vm.wait_line(r"# ready-d", timeout=120)
    # highest first: a hole in the APIC IDs breaks IPIs under TCG (see
    # tools/vmtest_lib/qmp.py cpu_add); QEMU 7.2 TCG also dies when a
    # removed slot is plugged again, so no slot is reused
    q.device_del("cpu-c", timeout=60)
    vm.send("removed-c")
    vm.wait_line(r"# ready-e", timeout=120)
    q.device_del("cpu-b", timeout=60)
    vm.send("removed-b")
