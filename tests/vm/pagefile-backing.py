# SPDX-License-Identifier: GPL-2.0-only
# lvos_pagefile at its memory cap with a backing device (a virtio disk):
# the oldest pages move to the disk instead of being refused, the pool
# stays under the cap, and every page of a 1.3 x RAM workload verifies
# (reads come back from the disk). Detaching the backing device is refused
# while pages live on it.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import pfcommon  # noqa: E402

TIMEOUT = 300
# Not on the debug kernel (it took 200 s there, the longest run of make
# check): pagefile-idle drives the same backing-device writeback under
# KASAN, lockdep and kmemleak.
KERNELS = ["6.1", "6.12"]
QEMU = dict(memory="384M", smp="2",
            disks=[dict(name="back", size="1G", format="raw", bus="virtio-blk")])
from pfcommon import MODULES, OPTIONAL_MODULES, LVOS  # noqa: E402,F401
LVOS_PARAMS = {"lvos_pagefile": "size_percent=200 cap_percent=8"}
# (With kmemleak, its own metadata for the ~10^5 short-lived bios of this
# run grew past 150 MiB on the debug kernel and OOM-killed the workload.)
FILES = pfcommon.FILES

GUEST = pfcommon.HELPERS + r'''
vmtest_check "attach backing device" sh -c 'echo /dev/vda > /sys/block/pagefile0/pagefile/backing_dev'
vmtest_eq "backing device shown" "$(pfv backing_dev)" /dev/vda
mkswap /dev/pagefile0 >/dev/null
vmtest_check "swapon" swapon /dev/pagefile0
mib=$(( $(memtotal_kb) * 13 / 10 / 1024 ))
rm -f /tmp/hog.out
pagefile-hog --passes 2 --wait-file /tmp/go $mib > /tmp/hog.out 2>&1 &
hog=$!
vmtest_wait_for 900 grep -q "hog: ready" /tmp/hog.out
pf_stats
wb=$(pfv written_back_pages)
vmtest_check "pages moved to the backing device ($wb)" test "$wb" -gt 1000
vmtest_check "detach refused while pages are on it" sh -c '! echo none > /sys/block/pagefile0/pagefile/backing_dev'
touch /tmp/go
wait $hog
rc=$?
cat /tmp/hog.out
pf_stats
vmtest_eq "workload survived" "$rc" 0
vmtest_eq "every page verified, 2 passes" "$(hog_field corrupt)" 0
vmtest_eq "nothing refused" "$(pfv refused_pages)" 0
vmtest_eq "no failed reads" "$(pfv failed_reads)" 0
vmtest_eq "no failed writes" "$(pfv failed_writes)" 0
limit=$(pfv mem_limit)
# the cap is a hard limit (checked before the pool grows), and the
# workload did reach it: the peak is within 10% under it
peak=$(pfv mem_used_max)
vmtest_check "pool never past the cap ($peak <= $limit)" test "$peak" -le "$limit"
vmtest_check "pool reached the cap ($peak >= 90% of $limit)" test "$peak" -ge $(( limit / 10 * 9 ))
vmtest_check "swapoff" swapoff /dev/pagefile0
# a free that found its slot locked by the purge worker is deferred, not
# lost: once the next pass (brought forward) is done, only the swap
# header is left, in memory or on the backing device
vmtest_wait_for 30 sh -c 'test $(cat /sys/block/pagefile0/pagefile/pages_stored) -le 1'
vmtest_check "swapoff freed every slot but the swap header ($(pfv pages_stored) left, $(pfv written_back_pages) of them written back; $(pfv miss_free) frees were deferred)" \
	test "$(pfv pages_stored)" -le 1 -a "$(pfv written_back_pages)" -le 1
# the volume is empty but for the header: detaching needs a reset first
vmtest_check "reset drops the header" sh -c 'echo 1 > /sys/block/pagefile0/pagefile/reset'
vmtest_eq "nothing stored after reset" "$(pfv pages_stored):$(pfv written_back_pages)" 0:0
vmtest_check "detach backing device" sh -c 'echo none > /sys/block/pagefile0/pagefile/backing_dev'
vmtest_eq "backing device gone" "$(pfv backing_dev)" none
'''
