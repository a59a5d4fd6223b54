# SPDX-License-Identifier: GPL-2.0-only
# 1000 load/unload cycles of lvos_hvdetect (100 on the debug kernel) with
# two readers walking /sys/kernel/lvos and /sys/module/lvos_hvdetect all
# along; every cycle its directory comes and goes. In 10 of the cycles
# (5 on debug) a module that imports hvdetect's symbols is loaded on top
# (lvos_vcpu_hotplug, lvos_blkgrow, lvos_balloon in turn): unloading
# hvdetect then is refused and leaves its sysfs in place, and it unloads
# once the dependant is gone. Leak check: slab caches, SUnreclaim,
# MemAvailable, VmallocUsed, Percpu after the 20 warm-up cycles vs after
# the last (tests/vm/lib/cycommon.py); kmemleak on the debug kernel.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import cycommon  # noqa: E402

KERNELS = ["6.12", "debug"]  # 1000 cycles on one stock kernel (6.1 and 6.12 both passed), 100 on debug
TIMEOUT = 300
APPEND = cycommon.APPEND
QEMU = dict(smp=cycommon.SMP, memory="512M")
LVOS = ["lvos_hvdetect", "lvos_vcpu_hotplug", "lvos_blkgrow", "lvos_balloon"]
FILES = cycommon.FILES

GUEST = cycommon.HELPERS + r'''
L=/lib/lvos
for m in lvos_balloon lvos_blkgrow lvos_vcpu_hotplug lvos_hvdetect; do rmmod $m || vmtest_fail "rmmod $m"; done

cy_feature() {
	case $(($1 % 3)) in
	0) dep=lvos_vcpu_hotplug ;;
	1) dep=lvos_blkgrow ;;
	*) dep=lvos_balloon ;;
	esac
	insmod $L/lvos_hvdetect.ko || { vmtest_fail "round $1: insmod lvos_hvdetect"; return 1; }
	insmod $L/$dep.ko || { vmtest_fail "round $1: insmod $dep"; return 1; }
	vmtest_match "round $1: lvos_hvdetect used by $dep" "$(grep '^lvos_hvdetect ' /proc/modules)" " 1 $dep,"
	if err=$(rmmod lvos_hvdetect 2>&1); then
		vmtest_fail "round $1: unloading lvos_hvdetect under $dep refused" "rmmod succeeded"
		return 1
	fi
	vmtest_match "round $1: unloading lvos_hvdetect under $dep refused ($err)" "$err" "Resource temporarily unavailable|busy|in use"
	vmtest_check "round $1: hvdetect's sysfs still there" test -r /sys/kernel/lvos/hv/vendor
	rmmod $dep || { vmtest_fail "round $1: rmmod $dep"; return 1; }
	rmmod lvos_hvdetect || { vmtest_fail "round $1: rmmod lvos_hvdetect after $dep"; return 1; }
	vmtest_check "round $1: /sys/kernel/lvos gone" test ! -e /sys/kernel/lvos
	CY_CYCLES=$((CY_CYCLES + 1))
	CY_FEATURE=$((CY_FEATURE + 1))
}

cy_main lvos_hvdetect $L/lvos_hvdetect.ko "-e /sys/kernel/lvos/hv/vendor" /sys/kernel/lvos /sys/module/lvos_hvdetect
vmtest_check "final load" insmod $L/lvos_hvdetect.ko
'''
