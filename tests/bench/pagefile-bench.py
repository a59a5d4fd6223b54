# SPDX-License-Identifier: GPL-2.0-only
# Benchmark (not a test): lvos_pagefile vs zram as swap in one guest, same
# run, same workload (pagefile-hog: 1.25 x RAM of zero/text/random pages,
# filled then re-read in random order and verified), same volume size and
# memory limit. Configurations, each run ROUNDS times in alternating order:
#   zram-lz4      zram with lz4            (same compressor as lvos)
#   zram-default  zram with its kernel default (lzo-rle on 6.1, lz4 on 6.12)
#   lvos-lz4      lvos_pagefile defaults   (lz4)
# Run with tools/bench/pagefile; figures come back in the "bench" file.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vm", "lib"))
import pfcommon  # noqa: E402

KERNELS = ["6.1", "6.12"]
TIMEOUT = 1800
QEMU = dict(memory="512M", smp="2")
MODULES = pfcommon.MODULES + ["zram"]
OPTIONAL_MODULES = pfcommon.OPTIONAL_MODULES
LVOS = pfcommon.LVOS
# the same volume size (150% of RAM) and memory limit (60% of RAM) for both
LVOS_PARAMS = {"lvos_pagefile": "size_percent=150 cap_percent=60"}
FILES = pfcommon.FILES
ROUNDS = 2

GUEST = pfcommon.HELPERS + r'''
ROUNDS=%(rounds)d
z=/sys/block/zram0
zdefault=$(sed 's/.*\[\(.*\)\].*/\1/' $z/comp_algorithm)
size=$(pfv disksize)
limit=$(pfv mem_limit)
mib=$(( $(memtotal_kb) * 5 / 4 / 1024 ))
: > /tmp/bench
echo "config ram_kb=$(memtotal_kb) hog_mib=$mib disksize=$size limit=$limit zram_default=$zdefault" >> /tmp/bench

# bench NAME DEVICE STATS: one run; STATS prints "used stored" at the peak
bench() {
	mkswap $2 >/dev/null && swapon $2 || { echo "fail $1 swapon" >> /tmp/bench; return; }
	rm -f /tmp/h.out
	pagefile-hog --quiet --wait-file /tmp/go $mib > /tmp/h.out 2>&1 &
	hog=$!
	while ! grep -q "hog: ready" /tmp/h.out; do sleep 0.2; kill -0 $hog 2>/dev/null || break; done
	set -- "$1" "$2" $($3)
	touch /tmp/go
	wait $hog
	rc=$?
	rm -f /tmp/go
	swapoff $2
	echo "run $1 rc=$rc used=$3 stored=$4 $(grep hog-result /tmp/h.out)" >> /tmp/bench
}
zram_stats() { set -- $(cat $z/mm_stat); echo $3 $(( $1 / 4096 )); }
lvos_stats() { echo $(pfv mem_used_total) $(pfv pages_stored); }
zram_setup() {
	echo 1 > $z/reset
	echo $1 > $z/comp_algorithm
	echo $size > $z/disksize
	echo $limit > $z/mem_limit
}
lvos_setup() {
	echo 1 > /sys/block/pagefile0/pagefile/reset
}

i=0
while [ $i -lt $ROUNDS ]; do
	if [ $((i %% 2)) = 0 ]; then order="zram-lz4 zram-default lvos-lz4"; else order="lvos-lz4 zram-default zram-lz4"; fi
	for c in $order; do
		case $c in
		zram-lz4) zram_setup lz4; bench $c /dev/zram0 zram_stats ;;
		zram-default) zram_setup $zdefault; bench $c /dev/zram0 zram_stats ;;
		lvos-lz4) lvos_setup; bench $c /dev/pagefile0 lvos_stats ;;
		esac
	done
	i=$((i + 1))
done
cat /tmp/bench
vmtest_send_file bench /tmp/bench
vmtest_check "every run verified" sh -c '! grep -E "fail|rc=[1-9]|corrupt=[1-9]" /tmp/bench'
''' % dict(rounds=ROUNDS)
