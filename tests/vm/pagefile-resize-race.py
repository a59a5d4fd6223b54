# SPDX-License-Identifier: GPL-2.0-only
# A volume's size never changes under an open handle: while one vCPU
# resizes the empty volume over and over (size_percent 25 <-> 50, and
# reset), the other opens it, reads its size and then its last page
# (lvos-openrace). Each open either keeps the size it saw until it closes
# or is refused with EBUSY while a resize holds the volume (as zram's
# reset claim). Before the claim, an open that landed between the
# resize's "not open" check and the new capacity read a page that was no
# longer there (seen on 6.1: 9 of 1794 opens, short reads and EIO).
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import pfcommon  # noqa: E402

KERNELS = ["6.1", "6.12", "debug"]
TIMEOUT = 240
QEMU = dict(memory="384M", smp="2")
from pfcommon import MODULES, OPTIONAL_MODULES, LVOS  # noqa: E402,F401
# only the writes below resize the volume
LVOS_PARAMS = {"lvos_pagefile": "purge_interval=3600"}
FILES = dict(pfcommon.FILES, **{"/bin/lvos-openrace": "tools/lvos-openrace"})

GUEST = pfcommon.HELPERS + r'''
P=/sys/block/pagefile0/pagefile
echo 5 > /proc/sys/kernel/printk
n0=$(dmesg | grep -c 'pagefile0: volume ')
lvos-openrace /dev/pagefile0 20 > /tmp/or.out 2>&1 &
r=$!
rounds=0
while kill -0 $r 2>/dev/null; do
	echo 25 > $P/size_percent 2>/dev/null
	echo 1 > $P/reset 2>/dev/null
	echo 50 > $P/size_percent 2>/dev/null
	rounds=$((rounds + 1))
done
wait $r
rc=$?
n=$(( $(dmesg | grep -c 'pagefile0: volume ') - n0 ))
vmtest_log "$(tr '\n' ' ' < /tmp/or.out); $rounds rounds, $n resizes"
vmtest_check "the volume was resized ($n times)" test "$n" -ge 20
vmtest_check "and opened meanwhile" grep -q 'opens=[1-9][0-9][0-9]' /tmp/or.out
vmtest_eq "no open handle saw its size change" "$rc $(sed -n 's/.*changed=//p' /tmp/or.out)" "0 0"
echo 50 > $P/size_percent
vmtest_eq "50% again" "$(( $(pfv disksize) / 4096 ))" "$(( $(memtotal_kb) / 4 * 50 / 100 ))"
mkswap /dev/pagefile0 >/dev/null
vmtest_check "swapon after the race" swapon /dev/pagefile0
vmtest_check "swapoff" swapoff /dev/pagefile0
'''
