# SPDX-License-Identifier: GPL-2.0-only
# 1000 load/unload cycles of lvos_vcpu_hotplug (100 on the debug kernel)
# with two readers walking /sys/kernel/lvos/hotplug and
# /sys/module/lvos_vcpu_hotplug all along. No load or unload touches the
# kernel's memory-hotplug knobs (auto_online_blocks, online_policy,
# auto_movable_ratio: userspace sets them, tools/lvos-memory-policy, tested
# by hotplug-memory), and the vCPUs online stay as they were. In 10 of the
# cycles (5 on debug) density mode samples every 100 ms and the admin
# changes auto_online_blocks while the module is loaded: the unload leaves
# the admin's value alone. Leak check: slab caches,
# SUnreclaim, MemAvailable, VmallocUsed, Percpu after the 20 warm-up
# cycles vs after the last (tests/vm/lib/cycommon.py); kmemleak on debug.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import cycommon  # noqa: E402
import hpcommon  # noqa: E402

KERNELS = ["6.12", "debug"]  # 1000 cycles on one stock kernel (6.1 and 6.12 both passed), 100 on debug
TIMEOUT = 300
APPEND = cycommon.APPEND
QEMU = dict(smp=cycommon.SMP, machine=hpcommon.MACHINE, memory="512M")
LVOS = ["lvos_vcpu_hotplug"]
FILES = cycommon.FILES

GUEST = cycommon.HELPERS + hpcommon.HELPERS + r'''
L=/lib/lvos
ko=$L/lvos_vcpu_hotplug.ko
AO=/sys/devices/system/memory/auto_online_blocks
MP=/sys/module/memory_hotplug/parameters
rmmod lvos_vcpu_hotplug || vmtest_fail "rmmod lvos_vcpu_hotplug"
knobs() { echo "$(cat $AO) $(cat $MP/online_policy) $(cat $MP/auto_movable_ratio)"; }
k0=$(knobs)
insmod $ko movable_ratio=500
vmtest_eq "a load changes no knob" "$(knobs)" "$k0"
rmmod lvos_vcpu_hotplug
vmtest_eq "nor does an unload" "$(knobs)" "$k0"

cy_feature() {
	c0=$(cat /sys/devices/system/cpu/online)
	insmod $ko movable_ratio=500 park=1 park_interval_ms=100 ||
		{ vmtest_fail "round $1: insmod park=1"; return 1; }
	sleep 0.3	# a few density samples
	was=$(cat $AO)
	echo online_movable >$AO
	rmmod lvos_vcpu_hotplug || { vmtest_fail "round $1: rmmod"; return 1; }
	vmtest_eq "round $1: the admin's auto_online_blocks left alone (lvos had set $was)" "$(cat $AO)" online_movable
	echo "${k0%% *}" >$AO
	vmtest_eq "round $1: knobs as before" "$(knobs)" "$k0"
	vmtest_eq "round $1: vCPUs online as before" "$(cat /sys/devices/system/cpu/online)" "$c0"
	CY_CYCLES=$((CY_CYCLES + 1))
	CY_FEATURE=$((CY_FEATURE + 1))
}

cy_main lvos_vcpu_hotplug $ko "-p movable_ratio=500 -e $H/events -k $AO -k $MP/online_policy -k $MP/auto_movable_ratio -k /sys/devices/system/cpu/online" \
	$H /sys/module/lvos_vcpu_hotplug
vmtest_eq "knobs as before the test" "$(knobs)" "$k0"
vmtest_check "final load" insmod $ko
'''
