# SPDX-License-Identifier: GPL-2.0-only
# make demo, part 3: Debian's stock 6.1 cloud kernel with lvos_vcpu_hotplug.
# The shipped udev rule's program sets the kernel's memory-hotplug policy
# once, as udev does when the module loads (tools/lvos-memory-policy apply);
# then the host hot-adds a vCPU and a 512 MiB DIMM over QMP and no userspace
# runs: both come online by themselves, memory in ZONE_MOVABLE, and the
# DIMM is unplugged again. The guest sends its report back for tools/demo.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vm", "lib"))
import hpcommon  # noqa: E402

KERNELS = ["6.1"]
TIMEOUT = 180
QEMU = dict(machine=hpcommon.MACHINE, memory="512M,slots=2,maxmem=2G", smp="1,maxcpus=2")
LVOS = hpcommon.LVOS
FILES = hpcommon.MEMPOL_FILES

GUEST = hpcommon.HELPERS + hpcommon.MEMPOL + r'''
R=/tmp/report
show() { echo "\$ $*"; sh -c "$*"; }
ev() { echo "  last event: $(hp last_event) $(hp last_event_object): $(hp last_event_outcome) ($(hp last_event_latency_us) us)"; }
{
	show uname -r
	show "cat /sys/devices/system/cpu/online; grep MemTotal /proc/meminfo"
	echo "# Debian's 6.1 would leave hot-added vCPUs and memory offline"
	echo "# udev, module lvos_vcpu_hotplug added -> $(mempol_cmd add module lvos_vcpu_hotplug)"
	mempol_run add 2>&1
	show "cat $AO $MP/online_policy $MP/auto_movable_ratio"
	echo "# from here on no userspace process runs for the hot-adds"
} > $R 2>&1
vmtest_log ready
vmtest_wait_host cpu-added 60
vmtest_wait_for 30 cpu_is_on 1
vmtest_wait_for 30 hp_is_event cpu-add cpu1
{
	echo "# host: QMP device_add of a vCPU"
	ev
	show "cat /sys/devices/system/cpu/online"
} >> $R 2>&1
vmtest_log ready-mem
vmtest_wait_host mem-added 60
vmtest_wait_for 30 sh -c "grep -qx memory-add $H/last_event"
{
	echo "# host: QMP device_add of a 512 MiB pc-dimm"
	ev
	show "grep MemTotal /proc/meminfo; cat $H/memory_blocks_online $H/memory_blocks_movable"
} >> $R 2>&1
vmtest_log ready-del
vmtest_wait_host mem-deleted 60
vmtest_wait_for 30 sh -c "grep -qx memory-remove $H/last_event"
{
	echo "# host: QMP device_del of the DIMM (possible because it is movable)"
	ev
	show "grep MemTotal /proc/meminfo"
} >> $R 2>&1
cat $R
vmtest_send_file report $R
vmtest_check "vCPU and memory online, DIMM removed" sh -c "grep -qx memory-remove $H/last_event && test \$(cat $H/failures) = 0"
'''


def host(vm):
    q = vm.qmp_client
    vm.wait_line(r"# ready$", timeout=120)
    q.cpu_add("cpu1")
    vm.send("cpu-added")
    vm.wait_line(r"# ready-mem", timeout=120)
    q.dimm_add("dimm0", 512 << 20)
    vm.send("mem-added")
    vm.wait_line(r"# ready-del", timeout=120)
    q.device_del("dimm0", timeout=90)
    vm.send("mem-deleted")
