# SPDX-License-Identifier: GPL-2.0-only
# The admin's explicit choice wins: with memhp_default_state=offline on the
# kernel command line the shipped policy program (tools/lvos-memory-policy,
# run as udev runs it for the loaded module) changes no memory setting (on
# 6.1 and on 6.12, whose default would online), a hot-added DIMM stays offline,
# and the report says so and counts the blocks as offline (a second DIMM
# is its own event); when the admin onlines them later, the report follows
# with the latency from the add, counting only the last DIMM's blocks.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import hpcommon  # noqa: E402

KERNELS = ["6.1", "6.12", "debug-6.12"]
TIMEOUT = 150
APPEND = "memhp_default_state=offline"
QEMU = dict(machine=hpcommon.MACHINE, memory="320M,slots=2,maxmem=2G", smp="1")
LVOS = hpcommon.LVOS
FILES = hpcommon.MEMPOL_FILES

GUEST = hpcommon.HELPERS + hpcommon.MEMPOL + r'''
P=/sys/module/memory_hotplug/parameters
vmtest_check "the udev rule's add program runs" mempol_run add
vmtest_eq "auto_online_blocks stays offline" "$(cat /sys/devices/system/memory/auto_online_blocks)" offline
vmtest_eq "zone policy untouched" "$(cat $P/online_policy)" contig-zones
vmtest_check "says why" sh -c 'dmesg | grep -q "lvos-memory-policy: auto_online_blocks left offline: memhp_default_state=offline on the kernel command line"'
off0=$(hp memory_blocks_offline)
kb0=$(memtotal_kb)
vmtest_log ready
vmtest_wait_host added 60
vmtest_check "add reported" vmtest_wait_for 30 sh -c "grep -qx memory-add $H/last_event"
vmtest_match "left offline" "$(hp last_event_outcome)" '^2 of 2 blocks left offline'
vmtest_eq "offline blocks counted" "$(hp memory_blocks_offline)" "$(( off0 + 2 ))"
vmtest_eq "MemTotal unchanged" "$(memtotal_kb)" "$kb0"
first=$(hp last_event_object)
n=$(hp events)
t0=$(vmtest_now_cs)
vmtest_log ready-b
vmtest_wait_host added-b 60
# a second DIMM while the first is still offline is its own event
vmtest_check "second add reported" vmtest_wait_for 30 sh -c "test \$(cat $H/events) -gt $n"
second=$(hp last_event_object)
vmtest_check "a different batch ($first, $second)" test "$first" != "$second"
vmtest_match "second left offline" "$(hp last_event_outcome)" '^2 of 2 blocks left offline'
vmtest_eq "four blocks offline" "$(hp memory_blocks_offline)" "$(( off0 + 4 ))"
for b in /sys/devices/system/memory/memory*; do
	grep -q offline $b/state 2>/dev/null && echo online_movable > $b/state
done
vmtest_check "admin's online reported" vmtest_wait_for 30 sh -c "grep -q 'onlined by someone else' $H/last_event_outcome"
t1=$(vmtest_now_cs)
vmtest_eq "outcome" "$(hp last_event_outcome)" "online: 2 blocks, 2 movable (onlined by someone else)"
vmtest_eq "about the second DIMM's blocks only" "$(hp last_event_object)" "$second"
lat=$(hp last_event_latency_us)
vmtest_check "latency from the add ($lat us, within the $(( (t1 - t0) * 10 )) ms since)" \
	test "$lat" -gt 0 -a "$lat" -le $(( (t1 - t0 + 1) * 10000 ))
vmtest_eq "none offline" "$(hp memory_blocks_offline)" "$off0"
'''


def host(vm):
    vm.wait_line(r"# ready$", timeout=120)
    vm.qmp_client.dimm_add("dimm0", 256 << 20)
    vm.send("added")
    vm.wait_line(r"# ready-b", timeout=120)
    vm.qmp_client.dimm_add("dimm1", 256 << 20)
    vm.send("added-b")
