# SPDX-License-Identifier: GPL-2.0-only
# 1000 load/unload cycles of lvos_blkgrow (100 on the debug kernel) with a
# virtio-blk disk and a polled pvscsi disk (poll_ms=100, watch_ms=50), and
# two readers walking /sys/kernel/lvos/blkgrow and /sys/module/lvos_blkgrow
# all along. In 10 of the cycles (5 on debug) the host shrinks the
# virtio-blk disk below its partition while the module is loaded: the disk
# is guarded (read-only), the unload releases it (writable again, said in
# the log), and the host restores the size before the next cycles. Leak
# check: slab caches, SUnreclaim, MemAvailable, VmallocUsed, Percpu after
# the 20 warm-up cycles vs after the last (tests/vm/lib/cycommon.py);
# kmemleak on the debug kernel.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import cycommon  # noqa: E402
import bgcommon  # noqa: E402
from bgcommon import MiB  # noqa: E402

KERNELS = ["6.1", "debug"]  # 1000 cycles on one stock kernel (6.1 and 6.12 both passed), 100 on debug
TIMEOUT = 300
APPEND = cycommon.APPEND
QEMU = dict(smp=cycommon.SMP, machine=bgcommon.MACHINE, memory="512M",
            disks=[dict(name="g", size="64M", bus="virtio-blk"),
                   dict(name="p", size="64M", bus="pvscsi")])
LVOS = bgcommon.LVOS
FILES = cycommon.FILES

GUEST = cycommon.HELPERS + bgcommon.HELPERS + r'''
ko=/lib/lvos/lvos_blkgrow.ko
G=$(by_serial g); P=$(by_serial p)
vmtest_match "disks found" "$G $P" '^vd[a-z] sd[a-z]$'
rmmod lvos_blkgrow || vmtest_fail "rmmod lvos_blkgrow"
# one partition from 1 MiB to the end of the disk (131072 sectors): the
# data end a shrink is measured against
printf '\000\000\000\000\203\000\000\000\000\010\000\000\000\370\001\000' |
	dd of=/dev/$G bs=1 seek=446 conv=notrunc 2>/dev/null
printf '\125\252' | dd of=/dev/$G bs=1 seek=510 conv=notrunc 2>/dev/null
blockdev --rereadpt /dev/$G
vmtest_check "partition to the end of the disk" test "$(cat /sys/block/$G/${G}1/start 2>/dev/null) $(cat /sys/block/$G/${G}1/size 2>/dev/null)" = "2048 129024"

cy_feature() {
	insmod $ko poll_ms=100 watch_ms=50 || { vmtest_fail "round $1: insmod"; return 1; }
	vmtest_log "shrink $1"
	vmtest_wait_host "^shrunk $1\$" 60 >/dev/null || { vmtest_fail "round $1: no shrink from the host"; return 1; }
	vmtest_check "round $1: guarded" vmtest_wait_for 10 sh -c "grep -q '^read-only' $B/disks/$G/guard"
	vmtest_eq "round $1: read-only" "$(blockdev --getro /dev/$G)" 1
	n0=$(dmesg | grep -c "lvos_blkgrow: $G: shrink guard released by the unload")
	rmmod lvos_blkgrow || { vmtest_fail "round $1: rmmod while guarded"; return 1; }
	vmtest_eq "round $1: writable again after the unload" "$(blockdev --getro /dev/$G)" 0
	vmtest_check "round $1: release logged" test "$(dmesg | grep -c "lvos_blkgrow: $G: shrink guard released by the unload")" -gt "$n0"
	vmtest_log "restore $1"
	vmtest_wait_host "^restored $1\$" 60 >/dev/null || { vmtest_fail "round $1: no restore from the host"; return 1; }
	vmtest_wait_for 10 size_is $G 131072 || { vmtest_fail "round $1: size back" "$(cat /sys/block/$G/size)"; return 1; }
	CY_CYCLES=$((CY_CYCLES + 1))
	CY_FEATURE=$((CY_FEATURE + 1))
}

cy_main lvos_blkgrow $ko "-p poll_ms=100 -p watch_ms=50 -e $B/disks/$G/guard -e $B/disks/$P/guard" \
	$B /sys/module/lvos_blkgrow
vmtest_check "final load" insmod $ko
'''


def host(vm):
    for r in range(cycommon.rounds(vm)):
        vm.wait_line(r"# shrink %d$" % r, timeout=600)
        vm.qmp_client.block_resize("g", 48 * MiB)
        vm.send("shrunk %d" % r)
        vm.wait_line(r"# restore %d$" % r, timeout=120)
        vm.qmp_client.block_resize("g", 64 * MiB)
        vm.send("restored %d" % r)
