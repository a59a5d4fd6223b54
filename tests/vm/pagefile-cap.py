# SPDX-License-Identifier: GPL-2.0-only
# lvos_pagefile at its memory cap without a backing device: a workload of
# random (incompressible) and zero pages, 1.15 x RAM, against a cap of 4% of
# RAM. Random pages fill the cap and further ones are refused (counted,
# one log line per 30 s); zero pages still swap, so the
# workload survives with every page verified, the pool never grows past
# the cap, and the kernel reports no warning (the harness fails on any).
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import pfcommon  # noqa: E402

TIMEOUT = 300
# On the 6.12 debug kernel (the 6.1 one runs pagefile-idle and -badinput).
KERNELS = ["6.1", "6.12", "debug-6.12"]
QEMU = dict(memory="384M", smp="2")
from pfcommon import MODULES, OPTIONAL_MODULES, LVOS  # noqa: E402,F401
LVOS_PARAMS = {"lvos_pagefile": "size_percent=200 cap_percent=4"}
FILES = pfcommon.FILES

GUEST = pfcommon.HELPERS + r'''
mkswap /dev/pagefile0 >/dev/null
vmtest_check "swapon" swapon /dev/pagefile0
mib=$(( $(memtotal_kb) * 115 / 100 / 1024 ))
t0=$(cut -d. -f1 /proc/uptime)
pagefile-hog --mix 70:0:30 $mib > /tmp/hog.out 2>&1
rc=$?
t1=$(cut -d. -f1 /proc/uptime)
cat /tmp/hog.out
pf_stats
vmtest_eq "workload survived" "$rc" 0
vmtest_eq "every page verified" "$(hog_field corrupt)" 0
refused=$(pfv refused_pages)
vmtest_check "writes past the cap refused ($refused)" test "$refused" -gt 0
limit=$(pfv mem_limit)
# the cap is a hard limit (checked before the pool grows), and the
# workload did reach it: the peak is within 10% under it
peak=$(pfv mem_used_max)
vmtest_check "pool never past the cap ($peak <= $limit)" test "$peak" -le "$limit"
vmtest_check "pool reached the cap ($peak >= 90% of $limit)" test "$peak" -ge $(( limit / 10 * 9 ))
vmtest_eq "no failed reads" "$(pfv failed_reads)" 0
# our own line: at most one per 30 s, with the running count
ours=$(dmesg | grep -c "writes refused")
vmtest_check "refusal logged ($ours lines in $((t1 - t0)) s)" test "$ours" -ge 1
vmtest_check "refusal log ratelimited to one per 30 s" test "$ours" -le $(( (t1 - t0) / 30 + 1 ))
# (the swap layer's own "Write-error on swap-device" lines are its
# ratelimit, not lvos's: not checked here)
vmtest_check "swapoff" swapoff /dev/pagefile0
'''
