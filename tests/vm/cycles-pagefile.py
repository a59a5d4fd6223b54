# SPDX-License-Identifier: GPL-2.0-only
# 1000 load/unload cycles of lvos_pagefile (100 on the debug kernel) and
# two readers walking /sys/block/pagefile{0,1} and /sys/module/lvos_pagefile
# all along. In 10 of the cycles (5 on debug) the module has two volumes,
# pagefile0 is active swap and pagefile1 holds data: rmmod is refused
# while the swap is on (the volume is open, so the module is in use), and
# after swapoff it unloads. Leak check: slab caches, SUnreclaim,
# MemAvailable, VmallocUsed, Percpu after the 20 warm-up cycles vs after
# the last (tests/vm/lib/cycommon.py); kmemleak on the debug kernel.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import cycommon  # noqa: E402
from pfcommon import MODULES, OPTIONAL_MODULES  # noqa: E402,F401

KERNELS = ["6.1", "debug"]  # 1000 cycles on one stock kernel (6.1 and 6.12 both passed), 100 on debug
TIMEOUT = 480
APPEND = cycommon.APPEND
QEMU = dict(smp=cycommon.SMP, memory="512M")
LVOS = ["lvos_pagefile"]
FILES = cycommon.FILES

GUEST = cycommon.HELPERS + r'''
ko=/lib/lvos/lvos_pagefile.ko
rmmod lvos_pagefile || vmtest_fail "rmmod lvos_pagefile"

cy_feature() {
	insmod $ko num_devices=2 || { vmtest_fail "round $1: insmod"; return 1; }
	dd if=/dev/urandom of=/dev/pagefile1 bs=64k count=4 conv=fsync 2>/dev/null
	mkswap /dev/pagefile0 >/dev/null && swapon /dev/pagefile0 ||
		{ vmtest_fail "round $1: swapon /dev/pagefile0"; return 1; }
	if err=$(rmmod lvos_pagefile 2>&1); then
		vmtest_fail "round $1: unload refused while pagefile0 is swap" "rmmod succeeded"
		return 1
	fi
	vmtest_match "round $1: unload refused while pagefile0 is swap ($err)" "$err" "Resource temporarily unavailable|busy|in use"
	vmtest_check "round $1: still swapping on pagefile0, pagefile1 still there" \
		sh -c "grep -q '^/dev/pagefile0 ' /proc/swaps && test -b /dev/pagefile1"
	swapoff /dev/pagefile0 || { vmtest_fail "round $1: swapoff"; return 1; }
	rmmod lvos_pagefile || { vmtest_fail "round $1: rmmod after swapoff"; return 1; }
	vmtest_check "round $1: both volumes gone" test ! -e /sys/block/pagefile0 -a ! -e /sys/block/pagefile1
	CY_CYCLES=$((CY_CYCLES + 1))
	CY_FEATURE=$((CY_FEATURE + 1))
}

# one volume in the plain cycles: two made a cycle 170 instead of ~110 ms
cy_main lvos_pagefile $ko "-e /sys/block/pagefile0/pagefile" \
	/sys/block/pagefile0 /sys/block/pagefile1 /sys/module/lvos_pagefile
vmtest_check "final load" insmod $ko
'''
