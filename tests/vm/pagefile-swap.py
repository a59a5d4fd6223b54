# SPDX-License-Identifier: GPL-2.0-only
# lvos_pagefile as swap under memory pressure: a 384 MiB guest fills
# 1.25 x its MemAvailable with zero, text-like and random pages and verifies every page
# twice in random order. Checks the size/cap policy against MemTotal, the
# stats (same-filled, incompressible, compression, cap respected), that a
# non-root user can read them, that unload is refused while swapping,
# that swapoff frees the memory, and that discard frees it and reads back
# zeroes.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import pfcommon  # noqa: E402

# The workload is 1.25 x MemAvailable, not MemTotal: sized by MemTotal it
# was OOM-killed on the debug kernel (KASAN shadow, kmemleak's pool).
KERNELS = ["6.1", "6.12", "debug", "debug-6.12"]
TIMEOUT = 300
QEMU = dict(memory="384M", smp="2")
from pfcommon import MODULES, OPTIONAL_MODULES, LVOS  # noqa: E402,F401
LVOS_PARAMS = {"lvos_pagefile": "size_percent=150 cap_percent=80"}
FILES = pfcommon.FILES

GUEST = pfcommon.HELPERS + r'''
vmtest_check "block device /dev/pagefile0" test -b /dev/pagefile0
ram_pages=$(( $(memtotal_kb) / 4 ))
vmtest_eq "volume is 150% of RAM" "$(( $(pfv disksize) / 4096 ))" "$(( ram_pages * 150 / 100 ))"
vmtest_eq "cap is 80% of RAM" "$(( $(pfv mem_limit) / 4096 ))" "$(( ram_pages * 80 / 100 ))"
vmtest_eq "default compressor" "$(pfv comp_algorithm)" lz4
vmtest_eq "default recompressor" "$(pfv recomp_algorithm)" zstd
vmtest_eq "no backing device" "$(pfv backing_dev)" none

# a non-root monitor reads every statistic
echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >> /etc/passwd
unread=
for f in /sys/block/pagefile0/pagefile/*; do
	[ "$(basename $f)" = reset ] && continue
	su nobody -c "cat $f" >/dev/null 2>&1 || unread="$unread $(basename $f)"
done
vmtest_eq "every statistic readable by nobody" "$unread" ""

vmtest_check "mkswap" mkswap /dev/pagefile0
vmtest_check "swapon with discard" swapon -d /dev/pagefile0
vmtest_check "listed in /proc/swaps" grep -q '^/dev/pagefile0' /proc/swaps

# 1.25 x what is free: fill, hold while we read the stats, verify twice
mib=$(hog_mib 125)
vmtest_log "workload $mib MiB of $(( $(memtotal_kb) / 1024 )) MiB RAM"
rm -f /tmp/hog.out
pagefile-hog --passes 2 --wait-file /tmp/go $mib > /tmp/hog.out 2>&1 &
hog=$!
vmtest_wait_for 600 grep -q "hog: ready" /tmp/hog.out
vmtest_check "hog filled memory" grep -q "hog: ready" /tmp/hog.out
pf_stats
vmtest_check "unload refused while swapping" sh -c '! rmmod lvos_pagefile'
vmtest_check "module still loaded" test -b /dev/pagefile0
stored=$(pfv pages_stored)
vmtest_check "pages swapped out ($stored)" test "$stored" -gt $(( mib * 256 / 4 ))
if [ "$LVOS_SERIES" = 6.12 ]; then
	# 6.12's swap layer keeps zero-filled pages itself; they never reach us
	vmtest_eq "no zero pages reach the device on 6.12" "$(pfv same_pages)" 0
else
	vmtest_check "same-filled pages stored as one word ($(pfv same_pages))" test "$(pfv same_pages)" -gt $(( mib * 256 / 20 ))
fi
vmtest_check "incompressible pages stored raw ($(pfv huge_pages))" test "$(pfv huge_pages)" -gt $(( mib * 256 / 20 ))
vmtest_check "compressed below original ($(pfv compr_data_size) < $(pfv orig_data_size))" \
	test "$(pfv compr_data_size)" -lt "$(pfv orig_data_size)"
vmtest_check "memory used within the cap" test "$(pfv mem_used_max)" -le "$(pfv mem_limit)"
vmtest_eq "no failed reads" "$(pfv failed_reads)" 0
vmtest_eq "no refused writes" "$(pfv refused_pages)" 0
# while the hog verifies and exits (the swap layer frees every slot), a
# reconfiguration (detaching a backing device there is none of) takes the
# volume's lock for writing again and again: frees that meet it are
# deferred, and must still all be done
( while [ ! -e /tmp/hog-done ]; do echo none > /sys/block/pagefile0/pagefile/backing_dev; done ) &
writer=$!
touch /tmp/go
wait $hog
rc=$?
touch /tmp/hog-done
wait $writer
cat /tmp/hog.out
vmtest_eq "hog exit status" "$rc" 0
vmtest_eq "every page verified (2 passes)" "$(hog_field corrupt)" 0
vmtest_eq "hog checked every page" "$(hog_field pages)" $(( mib * 256 ))
vmtest_eq "no refused writes" "$(pfv refused_pages)" 0

used=$(pfv mem_used_total)
vmtest_check "swapoff" swapoff /dev/pagefile0
# deferred frees are done by the next purge pass, brought forward
vmtest_wait_for 30 sh -c 'test $(cat /sys/block/pagefile0/pagefile/pages_stored) -le 1'
pf_stats
vmtest_check "swapoff freed every slot but the swap header ($(pfv pages_stored) left; $(pfv miss_free) frees were deferred)" \
	test "$(pfv pages_stored)" -le 1
vmtest_check "memory returned ($(pfv mem_used_total) < $used)" test "$(pfv mem_used_total)" -lt "$used"

# plain block device use: data written reads back; discard frees it and reads zeroes
dd if=/dev/urandom of=/tmp/rand bs=1M count=8 2>/dev/null
dd if=/tmp/rand of=/dev/pagefile0 bs=1M conv=fsync 2>/dev/null
echo 3 > /proc/sys/vm/drop_caches
vmtest_check "data read back from the device" sh -c 'dd if=/dev/pagefile0 bs=1M count=8 2>/dev/null | cmp - /tmp/rand'
before=$(pfv pages_stored)
vmtest_check "8 MiB stored ($before pages)" test "$before" -ge 2048
# a same-filled (0xff) MiB costs no pool memory
tr '\000' '\377' < /dev/zero | dd of=/dev/pagefile0 bs=4096 seek=2048 count=256 conv=fsync 2>/dev/null
vmtest_check "same-filled pages counted ($(pfv same_pages))" test "$(pfv same_pages)" -ge 256
echo 3 > /proc/sys/vm/drop_caches
vmtest_eq "same-filled pages read back" "$(dd if=/dev/pagefile0 bs=4096 skip=2048 count=256 2>/dev/null | tr -d '\377' | wc -c)" 0
vmtest_check "blkdiscard" blkdiscard /dev/pagefile0
vmtest_eq "discard freed every page" "$(pfv pages_stored)" 0
vmtest_check "discard counted ($(pfv discarded_pages))" test "$(pfv discarded_pages)" -ge 2304
echo 3 > /proc/sys/vm/drop_caches
vmtest_eq "discarded range reads zeroes" "$(dd if=/dev/pagefile0 bs=1M count=8 2>/dev/null | tr -d '\000' | wc -c)" 0
vmtest_check "unload after swapoff" rmmod lvos_pagefile
vmtest_check "device gone" test ! -e /sys/block/pagefile0
'''
