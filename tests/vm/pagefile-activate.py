# SPDX-License-Identifier: GPL-2.0-only
# Activation without hand work: the udev rule asks systemd for
# lvos-pagefile@pagefile0.service; that unit's ExecStart, run as PID 1 runs
# it (pfcommon.udev_add), makes the volume swap (mkswap + swapon with
# discard); running it again changes nothing; its ExecStop turns the swap
# off; the program refuses devices that are not pagefile volumes. The rule
# matches only pagefile block devices and runs nothing from udev itself.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import pfcommon  # noqa: E402

KERNELS = ["6.1", "6.12", "debug-6.12"]
TIMEOUT = 120
QEMU = dict(memory="256M")
from pfcommon import MODULES, OPTIONAL_MODULES, LVOS  # noqa: E402,F401
FILES = dict(pfcommon.FILES, **pfcommon.UDEV_FILES)

GUEST = pfcommon.HELPERS + pfcommon.UDEV_RUN + r'''
rule=/usr/lib/udev/rules.d/60-lvos-pagefile.rules
vmtest_match "rule matches pagefile block devices on add" "$(grep -v '^#' $rule)" \
	'ACTION=="add", SUBSYSTEM=="block", KERNEL=="pagefile\[0-9\]\*"'
vmtest_check "rule runs nothing from udev (no RUN)" sh -c "! grep -v '^#' $rule | grep -q RUN"
vmtest_check "not swapping before the event" sh -c '! grep -q pagefile0 /proc/swaps'
vmtest_check "udev add event handled" udev_add /dev/pagefile0
vmtest_check "pagefile0 is swap" grep -q '^/dev/pagefile0 ' /proc/swaps
vmtest_check "second event is a no-op" udev_add /dev/pagefile0
vmtest_eq "still one swap entry" "$(grep -c '^/dev/pagefile0 ' /proc/swaps)" 1
/usr/lib/lvos/lvos-pagefile-swapon /dev/vda 2>/dev/null
vmtest_eq "helper refuses other devices" "$?" 2
LVOS_PAGEFILE_PRIORITY=x /usr/lib/lvos/lvos-pagefile-swapon /dev/pagefile0 2>/dev/null
vmtest_eq "helper refuses a bad priority" "$?" 2
pagefile-hog 64 > /tmp/hog.out 2>&1
vmtest_eq "swap works" "$(hog_field corrupt)" 0
vmtest_check "unit stop (ExecStop) swaps off" unit_stop /dev/pagefile0
vmtest_check "not swapping after the stop" sh -c '! grep -q pagefile0 /proc/swaps'
# the opt-out, also when a later rule set it after RUN was queued
vmtest_check "LVOS_PAGEFILE_SWAPON=0: helper does nothing" env LVOS_PAGEFILE_SWAPON=0 /usr/lib/lvos/lvos-pagefile-swapon /dev/pagefile0
vmtest_check "LVOS_PAGEFILE_SWAPON=0: not swapping" sh -c '! grep -q pagefile0 /proc/swaps'
'''
