# SPDX-License-Identifier: GPL-2.0-only
# lvos_pagefile's fixed memory follows the *online* CPUs, not the possible
# ones: on a guest with 2 of 64 possible vCPUs online, loading two volumes
# (lz4, idle recompression with zstd) costs under 2 MiB per volume,
# measured from the free pages (buddy + per-CPU lists; before: 64 streams with lz4 and zstd each,
# ~80 MiB a volume). overhead_bytes says what a volume holds and agrees
# with the measurement. A hot-added vCPU gets a stream when it comes up
# and swap works through it (hog pinned to it, data checked); an offlined
# one gives its stream back. The zstd recompressor exists only while idle
# pages wait or are stored recompressed: made (outside the volume's lock)
# when idle pages wait, gone once idle recompression is off (the pages go
# back to lz4).
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import hpcommon  # noqa: E402
import pfcommon  # noqa: E402

KERNELS = ["6.1", "debug"]
TIMEOUT = 400
QEMU = dict(machine=hpcommon.MACHINE, memory="384M", smp="2,maxcpus=64")
from pfcommon import MODULES, OPTIONAL_MODULES, LVOS  # noqa: E402,F401
FILES = pfcommon.FILES
PARAMS = "num_devices=2 comp=lz4 recomp=zstd idle_age=2 purge_interval=1"

GUEST = pfcommon.HELPERS + r'''
mem() { awk -v k="$1:" '$1 == k {print $2}' /proc/meminfo; }
quiet() { sync; echo 3 > /proc/sys/vm/drop_caches; sleep 1; }
# free memory in KiB: the buddy lists and the per-CPU lists (MemFree leaves
# those out, and they are where small allocations come from)
free_kb() { awk '$1 == "nr_free_pages" || $1 == "count:" { n += $2 } END { print n * 4 }' /proc/zoneinfo; }
ovh() { cat /sys/block/$1/pagefile/overhead_bytes; }
# 64 possible (the debug kernels are built with NR_CPUS=8: 8 there)
possible=$(cat /sys/devices/system/cpu/possible)
vmtest_check "2 of $possible possible CPUs online" test "$(cat /sys/devices/system/cpu/online) $possible" = "0-1 0-63" -o "$LVOS_DEBUG $possible" = "1 0-7"
vmtest_check "rmmod the harness's load" rmmod lvos_pagefile
quiet
a0=$(free_kb)
vmtest_log "meminfo-before $(grep -E 'Percpu|SUnreclaim|VmallocUsed|MemFree|Slab' /proc/meminfo | tr -s ' \n' ' ')"
vmtest_check "insmod ''' + PARAMS + r'''" insmod /lib/lvos/lvos_pagefile.ko ''' + PARAMS + r'''
quiet
a1=$(free_kb)
vmtest_log "meminfo-after $(grep -E 'Percpu|SUnreclaim|VmallocUsed|MemFree|Slab' /proc/meminfo | tr -s ' \n' ' ')"
o0=$(ovh pagefile0)
o1=$(ovh pagefile1)
core=$(cat /sys/module/lvos_pagefile/coresize)
drop=$(( (a0 - a1) * 1024 ))
vmtest_log "footprint: free memory -$drop bytes for 2 volumes; overhead_bytes $o0 + $o1; module text $core"
vmtest_check "under 2 MiB per volume ($drop bytes for 2)" test "$drop" -lt $(( 2 * 2 * 1048576 ))
# the report covers what the measurement sees, less the module's own code
# and the block layer's and zsmalloc's per-disk structures (<= 256 KiB;
# 1 MiB on the debug kernels: KASAN redzones, lockdep and kmemleak objects)
tol=$(( LVOS_DEBUG ? 1048576 : 262144 ))
vmtest_check "overhead_bytes agrees: $o0 + $o1 + $core text within $tol of $drop" \
	test $(( drop - o0 - o1 - core )) -gt -$tol -a $(( drop - o0 - o1 - core )) -lt $tol
vmtest_check "no zstd at load: a volume is under 1 MiB + its table" \
	test "$o0" -lt $(( 1048576 + $(pfv disksize) / 4096 * 16 ))

# a hot-added vCPU gets a stream; swap through it works
vmtest_log ready
vmtest_wait_host added 60
vmtest_check "cpu2 appears" vmtest_wait_for 30 test -e /sys/devices/system/cpu/cpu2/online
vmtest_check "cpu2 online" sh -c 'echo 1 > /sys/devices/system/cpu/cpu2/online'
o2=$(ovh pagefile0)
vmtest_check "one more stream: $o0 -> $o2 (at least 8 KiB + lz4's 16 KiB)" \
	test $(( o2 - o0 )) -ge 24576 -a $(( o2 - o0 )) -lt 65536
mkswap /dev/pagefile0 >/dev/null
vmtest_check "swapon" swapon /dev/pagefile0
# one hog on cpu2 holds more than the guest has: swap goes through cpu2's
# stream, and the idle pass (idle_age 2 s, 1 s passes) makes the recompressor
taskset -c 2 pagefile-hog --wait-file /tmp/go $(hog_mib 110) > /tmp/hog.out 2>&1 &
hog=$!
vmtest_check "hog holds its data" vmtest_wait_for 120 grep -q 'hog: ready' /tmp/hog.out
vmtest_check "swapped out ($(pfv pages_stored) pages)" test "$(pfv pages_stored)" -gt 1000
vmtest_check "idle pages recompressed" vmtest_wait_for 60 sh -c 'test $(cat /sys/block/pagefile0/pagefile/recompressed_pages) -gt 0'
o3=$(ovh pagefile0)
vmtest_check "recompressor counted: $o2 -> $o3" test $(( o3 - o2 )) -gt 1048576
touch /tmp/go
wait $hog
vmtest_match "data intact (cpu2's stream, recompressed pages)" "$(tail -n 1 /tmp/hog.out)" '^hog-result .* corrupt=0 '
vmtest_check "idle_age 0" sh -c 'echo 0 > /sys/block/pagefile0/pagefile/idle_age'
vmtest_check "swapoff" swapoff /dev/pagefile0
vmtest_log "$(pf_stats)"
vmtest_check "recompressor gone once unused" vmtest_wait_for 30 sh -c "test \$(cat /sys/block/pagefile0/pagefile/overhead_bytes) -eq $o2"

vmtest_check "cpu2 offline" sh -c 'echo 0 > /sys/devices/system/cpu/cpu2/online'
vmtest_eq "its stream went with it" "$(ovh pagefile0)" "$o0"
vmtest_eq "nothing failed" "$(pfv failed_reads) $(pfv failed_writes)" "0 0"
'''


def host(vm):
    vm.wait_line(r"# ready$", timeout=150)
    vm.qmp_client.cpu_add("cpu-a")
    vm.send("added")
