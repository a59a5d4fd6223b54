# SPDX-License-Identifier: GPL-2.0-only
# Queue pairs follow the online vCPU count through the ethtool core's
# checks: virtio_net picks min(online CPUs, max) only at probe, so a guest
# that grows from 2 to 4 vCPUs keeps 2 queue pairs without lvos. With
# lvos_vcpu_hotplug the two new vCPUs bring the queues to 4 and an ethtool
# channels notification goes out (as for `ethtool -L`); then, as
# ethtool_set_channels() decides:
#  - an RSS indirection table the admin set over queues 0-1 does not stop
#    the queues following down to 3;
#  - one over queues 0-2 keeps 3 when a vCPU goes (the table uses queue 2);
#  - an AF_XDP socket bound to queue 2 keeps 3 likewise (not on the debug
#    kernel: it has no AF_XDP);
#  - with retune off nothing follows.
# The new vCPUs: on 6.1 (and debug) QMP hot-adds two, which lvos onlines;
# Debian's 6.12 refuses QEMU 7.2's CPU hot-add (hotplug-cpu-refused.py), so
# there the guest boots 4 CPUs with 2 online (maxcpus=2) and hands cpus
# 2-3 to lvos as hot-added through the test build's debugfs
# inject_cpu_add: lvos's add_cpu() path and the retune run as for a real
# add; the ACPI hot-add itself is not covered on 6.12.
# (Multiqueue needs a tap backend: the host runs as root. rss=on: QEMU's
# software RSS when its eBPF steering cannot load.)
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import hpcommon  # noqa: E402

KERNELS = ["6.1", "6.12", "debug"]
TIMEOUT = 300
APPEND = "maxcpus=2"
QEMU = dict(machine=hpcommon.MACHINE, memory="384M", smp="4,maxcpus=6",
            args=["-netdev", "tap,id=n0,script=no,downscript=no,queues=4,vhost=off",
                  "-device", "virtio-net-pci,netdev=n0,mq=on,rss=on,vectors=10"])
MODULES = ["virtio_net"]
OPTIONAL_MODULES = ["virtio_net"]   # built into the debug kernel
LVOS = hpcommon.LVOS
FILES = {"/bin/lvos-netq": "tools/lvos-netq"}

GUEST = hpcommon.HELPERS + r'''
rxq() { ls /sys/class/net/eth0/queues | grep -c rx-; }
has_rxq() { test "$(rxq)" = "$1"; }
ntfs() { grep -c '^channels eth0$' /tmp/mon; }
# run "$@", then wait until lvos has handled the shape change it makes
# (the shape notification follows the retune pass)
shape_change() {
	_n=$(hp notifications)
	"$@" || return 1
	vmtest_wait_for 30 sh -c "test \$(cat $H/notifications) -gt $_n"
}
offline() { echo 0 > /sys/devices/system/cpu/cpu$1/online; }
online() { echo 1 > /sys/devices/system/cpu/cpu$1/online; }
vmtest_eq "2 queue pairs at probe (2 vCPUs online)" "$(rxq)" 2
lvos-netq monitor eth0 > /tmp/mon 2>&1 &
mon=$!
vmtest_check "ethtool monitor listening" vmtest_wait_for 10 grep -q listening /tmp/mon
if [ "$LVOS_SERIES" = 6.12 ]; then
	a=2 b=3
	vmtest_log "ready local"
	vmtest_check "cpu2 handed to lvos as hot-added" sh -c 'echo 2 > /sys/kernel/debug/lvos_vcpu_hotplug/inject_cpu_add'
	vmtest_check "cpu3 handed to lvos as hot-added" sh -c 'echo 3 > /sys/kernel/debug/lvos_vcpu_hotplug/inject_cpu_add'
else
	a=4 b=5
	vmtest_log "ready qmp"
	vmtest_wait_host added 90
fi
vmtest_check "cpu$a online (by lvos)" vmtest_wait_for 30 cpu_is_on $a
vmtest_check "cpu$b online (by lvos)" vmtest_wait_for 30 cpu_is_on $b
vmtest_check "cpu$b reported" hp_wait_event cpu-add cpu$b
vmtest_eq "lvos brought it online" "$(hp last_event_outcome)" online
vmtest_check "queues follow to 4" vmtest_wait_for 30 has_rxq 4
vmtest_check "counted" test "$(hp queue_changes)" -ge 1
vmtest_check "ethtool channels notification sent" vmtest_wait_for 10 sh -c 'test $(grep -c "^channels eth0$" /tmp/mon) -ge 1'

# an RSS table over queues 0-1 fits 3 queues: they follow
vmtest_check "admin RSS table over queues 0-1" lvos-netq indir eth0 2
vmtest_check "admin offlines cpu$b" shape_change offline $b
vmtest_check "RSS table fits: queues follow to 3" vmtest_wait_for 30 has_rxq 3

# an RSS table over queues 0-2 does not fit 2: they stay
vmtest_check "admin RSS table over queues 0-2" lvos-netq indir eth0 3
n=$(ntfs)
vmtest_check "admin offlines cpu$a" shape_change offline $a
vmtest_eq "RSS table on queue 2: queues stay 3" "$(rxq)" 3
vmtest_match "reported" "$(hp last_event) $(hp last_event_object): $(hp last_event_outcome)" \
	'^retune eth0: queue pairs stay 3 [(]not 2[)]: an RSS indirection table uses a queue beyond it$'
vmtest_eq "no notification for a change not made" "$(ntfs)" "$n"
vmtest_check "admin onlines cpu$a (3 online = 3 queues)" shape_change online $a
vmtest_check "default RSS table again" lvos-netq indir eth0 0

# an AF_XDP socket on queue 2: they stay
lvos-netq xsk eth0 2 /tmp/xsk-go > /tmp/xsk 2>&1 &
xsk=$!
vmtest_wait_for 10 grep -q -e bound -e "no AF_XDP" /tmp/xsk
if [ "$LVOS_DEBUG" = 1 ] && grep -q "no AF_XDP" /tmp/xsk; then
	# the debug kernel has no BPF_SYSCALL, so no XDP_SOCKETS; the stock ones do
	wait $xsk
	vmtest_log "AF_XDP part not run: no AF_XDP in the debug kernel"
else
	vmtest_check "AF_XDP socket bound to queue 2" grep -q bound /tmp/xsk
	vmtest_check "admin offlines cpu$a" shape_change offline $a
	vmtest_eq "AF_XDP on queue 2: queues stay 3" "$(rxq)" 3
	vmtest_match "reported" "$(hp last_event) $(hp last_event_object): $(hp last_event_outcome)" \
		'^retune eth0: queue pairs stay 3 [(]not 2[)]: an AF_XDP socket is bound to a queue beyond it$'
	touch /tmp/xsk-go
	wait $xsk
	vmtest_eq "AF_XDP socket closed" "$?" 0
	vmtest_check "admin onlines cpu$a" shape_change online $a
fi

vmtest_check "retune off" sh -c "echo 0 > $H/retune"
vmtest_check "admin onlines cpu$b" shape_change online $b
vmtest_eq "retune off: queues stay" "$(rxq)" 3
vmtest_eq "no failures" "$(hp failures)" 0
kill $mon
'''


def host(vm):
    m = vm.wait_line(r"# ready (qmp|local)$", timeout=vm.limit(60))
    if m.group(1) == "qmp":
        vm.qmp_client.cpu_add("cpu-a")
        vm.qmp_client.cpu_add("cpu-b")
        vm.send("added")
