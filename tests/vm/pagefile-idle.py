# SPDX-License-Identifier: GPL-2.0-only
# Self-purging with no userspace trigger: with idle_age=3 (a module
# parameter, set at load), pages left idle are recompressed with zstd
# (compressed bytes fall) and, once a backing device is attached, written
# back to it oldest first; the workload's data verifies afterwards. The
# test only reads sysfs while it waits.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import pfcommon  # noqa: E402

KERNELS = ["6.1", "6.12", "debug"]
# (debug: 3x; with kmemleak kept on, phase 2 took past 1200 s on a loaded host)
TIMEOUT = 600
QEMU = dict(memory="384M", smp="2",
            disks=[dict(name="back", size="1G", format="raw", bus="virtio-blk")])
from pfcommon import MODULES, OPTIONAL_MODULES, LVOS  # noqa: E402,F401
LVOS_PARAMS = {"lvos_pagefile": "size_percent=150 cap_percent=80 idle_age=3 purge_interval=1"}
FILES = pfcommon.FILES

GUEST = pfcommon.HELPERS + r'''
vmtest_eq "idle age from the module parameter" "$(pfv idle_age)" 3
mib=$(hog_mib 125)
vmtest_log "workload $mib MiB of $(( $(memtotal_kb) / 1024 )) MiB RAM"
mkswap /dev/pagefile0 >/dev/null
vmtest_check "swapon" swapon -d /dev/pagefile0

# phase 1: no backing device -> idle pages are recompressed
pagefile-hog --mix 0:100:0 --wait-file /tmp/go1 $mib > /tmp/hog1.out 2>&1 &
hog=$!
vmtest_wait_for 900 grep -q "hog: ready" /tmp/hog1.out
vmtest_wait_for 180 sh -c 'test $(cat /sys/block/pagefile0/pagefile/recompressed_pages) -gt 1000'
pf_stats
n=$(pfv recompress_total)
vmtest_check "idle pages recompressed ($(pfv recompressed_pages))" test "$(pfv recompressed_pages)" -gt 1000
# zstd gives text pages back at least 200 bytes each over lz4
vmtest_check "recompression saved memory ($(pfv recompress_saved_bytes) bytes for $n pages)" \
	test "$(pfv recompress_saved_bytes)" -ge $((n * 200))
touch /tmp/go1
wait $hog
vmtest_eq "phase 1 data verified" "$?:$(hog_field corrupt /tmp/hog1.out)" 0:0
vmtest_check "swapoff" swapoff /dev/pagefile0
# every slot freed but the swap header (deferred frees: the next pass)
vmtest_wait_for 30 sh -c 'test $(cat /sys/block/pagefile0/pagefile/pages_stored) -le 1'
vmtest_check "swapoff freed every slot but the swap header ($(pfv pages_stored) left; $(pfv miss_free) frees were deferred)" \
	test "$(pfv pages_stored)" -le 1

# phase 2: with a backing device -> idle pages are written back
echo /dev/vda > /sys/block/pagefile0/pagefile/backing_dev
vmtest_check "swapon again" swapon -d /dev/pagefile0
pagefile-hog --seed 2 --wait-file /tmp/go2 $mib > /tmp/hog2.out 2>&1 &
hog=$!
vmtest_wait_for 900 grep -q "hog: ready" /tmp/hog2.out
m0=$(pfv mem_used_max)
vmtest_wait_for 180 sh -c 'test $(cat /sys/block/pagefile0/pagefile/written_back_pages) -gt 5000'
pf_stats
vmtest_check "idle pages written back ($(pfv written_back_pages))" test "$(pfv written_back_pages)" -gt 5000
vmtest_check "pool shrank below its peak ($(pfv mem_used_total) < $m0)" test "$(pfv mem_used_total)" -lt "$m0"
vmtest_check "compacted after writeback ($(pfv compactions))" test "$(pfv compactions)" -gt 0
touch /tmp/go2
wait $hog
vmtest_eq "phase 2 data verified" "$?:$(hog_field corrupt /tmp/hog2.out)" 0:0
vmtest_eq "no failed reads" "$(pfv failed_reads)" 0
vmtest_check "swapoff" swapoff /dev/pagefile0
echo 1 > /sys/block/pagefile0/pagefile/reset
vmtest_check "detach backing device" sh -c 'echo none > /sys/block/pagefile0/pagefile/backing_dev'
'''
