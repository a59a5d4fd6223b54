# SPDX-License-Identifier: GPL-2.0-only
# Shrink guard: the host shrinks a disk below the data on it (ext4 mounted
# on the whole disk). lvos_blkgrow makes it read-only at once, logs it,
# keeps it read-only when the driver revalidates (pvscsi rescan), refuses
# to clear until the size is back, and after the admin clears it sends a
# grow event; the data is intact and fsck is clean. A disk nobody uses only
# gets a "shrink" event. Bad writes to the guard and report files get an
# error and a log line.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import bgcommon  # noqa: E402
from bgcommon import MiB  # noqa: E402

KERNELS = ["6.1", "6.12", "debug"]
TIMEOUT = 120
QEMU = dict(machine=bgcommon.MACHINE, memory="384M",
            disks=[dict(name="g", size="128M", bus="virtio-blk"),
                   dict(name="f", size="128M", bus="virtio-blk"),
                   dict(name="s", size="128M", bus="pvscsi")])
LVOS = bgcommon.LVOS
BINARIES = ["mkfs.ext4", "e2fsck"]

GUEST = bgcommon.HELPERS + r'''
G=$(by_serial g); F=$(by_serial f); S=$(by_serial s)
vmtest_match "disks found" "$G $F $S" '^vd[a-z] vd[a-z] sd[a-z]$'
dd if=/dev/urandom of=/tmp/pat bs=1M count=4 2>/dev/null
want=$(md5sum < /tmp/pat)
for d in $G $S; do
	mkfs.ext4 -q /dev/$d; mkdir -p /mnt/$d; mount /dev/$d /mnt/$d
	cp /tmp/pat /mnt/$d/data
done
sync
ev_start
vmtest_eq "guard off" "$(bg $G guard)" off
vmtest_log ready
vmtest_wait_host shrunk 60
is_guarded() { bg $G guard | grep -q '^read-only'; }
vmtest_check "guard on" vmtest_wait_for 5 is_guarded
vmtest_eq "guard state" "$(bg $G guard)" "read-only: capacity 196608 below data end 262144 (was 262144)"
vmtest_eq "disk read-only" "$(blockdev --getro /dev/$G)" 1
vmtest_eq "kind" "$(bg $G last_event)" guard
vmtest_eq "data end" "$(bg $G data_end)" 262144
vmtest_check "guard event" vmtest_wait_for 5 ev_has $G guard
vmtest_check "logged loudly" sh -c "dmesg | grep -q 'lvos_blkgrow: $G: capacity fell from 128 to 96 MiB, below the end of the data at 128 MiB: disk made read-only'"
vmtest_check "no write past the end" sh -c "! dd if=/tmp/pat of=/dev/$G bs=1M seek=110 count=1 conv=notrunc 2>/dev/null"
vmtest_check "no read past the end" sh -c "! dd if=/dev/$G of=/dev/null bs=1M skip=110 count=1 2>/dev/null || test \$(dd if=/dev/$G bs=1M skip=110 count=1 2>/dev/null | wc -c) -eq 0"
vmtest_check "pvscsi: guard on" vmtest_wait_for 10 sh -c "grep -q '^read-only' $B/disks/$S/guard"
echo 1 > /sys/block/$S/device/rescan
vmtest_check "pvscsi: rescan clears the flag, lvos sets it again" vmtest_wait_for 5 sh -c "dmesg | grep -q '$S: the driver made the disk writable again'"
vmtest_check "pvscsi: read-only after the rescan" vmtest_wait_for 5 sh -c "test \$(blockdev --getro /dev/$S) = 1"
vmtest_check "unused disk: shrink event only" vmtest_wait_for 5 ev_has $F shrink
vmtest_eq "unused disk not guarded" "$(bg $F guard)" off
vmtest_eq "unused disk writable" "$(blockdev --getro /dev/$F)" 0
vmtest_check "clear refused while still small" sh -c "! echo clear > $B/disks/$G/guard"
vmtest_check "refusal logged" sh -c "dmesg | grep -q '$G: guard not cleared: 196608 sectors is still below the data end 262144'"
vmtest_eq "still guarded" "$(blockdev --getro /dev/$G)" 1
vmtest_log guarded
vmtest_wait_host restored 60
vmtest_check "size back" vmtest_wait_for 5 size_is $G 262144
vmtest_check "guard stays until cleared" is_guarded
vmtest_check "clear" sh -c "echo clear > $B/disks/$G/guard"
vmtest_eq "guard off" "$(bg $G guard)" off
vmtest_eq "writable again" "$(blockdev --getro /dev/$G)" 0
vmtest_check "grow event after clear" vmtest_wait_for 5 sh -c "grep -q '^$G grow 262144 262144 guard-clear ' /tmp/events"
umount /mnt/$G
vmtest_check "fsck clean after the size is restored" e2fsck -fn /dev/$G
mount /dev/$G /mnt/$G
vmtest_eq "data intact" "$(md5sum < /mnt/$G/data)" "$want"
# bad input
vmtest_check "guard: bad word" sh -c "! echo maybe > $B/disks/$F/guard"
vmtest_check "report: bad layer" sh -c "! echo 'disk grown x' > $B/disks/$F/report"
vmtest_check "report: bad outcome" sh -c "! echo 'fs great x' > $B/disks/$F/report"
vmtest_check "report: control chars" sh -c "! printf 'fs grown a\tb\n' > $B/disks/$F/report"
vmtest_check "report: too long" sh -c "! echo fs grown $(printf '%0200d' 0) > $B/disks/$F/report"
vmtest_check "settings: bad numbers" sh -c "! echo 5 > $B/poll_ms && ! echo x > $B/watch_ms && ! echo 0 > $B/watch_ms && ! echo 9999999 > $B/trim_interval && ! echo 2 > $B/guard"
vmtest_eq "settings unchanged" "$(cat $B/poll_ms $B/watch_ms $B/trim_interval $B/guard | tr '\n' ' ')" "1000 250 3600 1 "
vmtest_check "bad writes logged" sh -c "dmesg | grep -q 'lvos_blkgrow: poll_ms: 5 is out of range'"
vmtest_check "report accepted" sh -c "echo 'fs grown ext4 /mnt 10M->20M' > $B/disks/$F/report && echo 'partition unchanged vdb1' > $B/disks/$F/report"
vmtest_check "trim lines replace each other" sh -c "echo 'trim done / 1' > $B/disks/$F/report && echo 'trim done / 2' > $B/disks/$F/report"
vmtest_eq "layers in arrival order, one trim line" "$(bg $F layers | tr '\n' '|')" "fs grown ext4 /mnt 10M->20M|partition unchanged vdb1|trim done / 2|"
vmtest_check "at most 12 lines, the oldest go first" sh -c "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13; do echo \"fs done line\$i\" > $B/disks/$F/report; done"
vmtest_eq "the last 12 kept" "$(bg $F layers | head -n 1) $(bg $F layers | wc -l)" "fs done line2 12"
'''


def host(vm):
    vm.wait_line(r"# ready$", timeout=120)
    bgcommon.resize_all(vm, ["g", "f", "s"], 96 * MiB)
    vm.send("shrunk")
    vm.wait_line(r"# guarded$", timeout=60)
    bgcommon.resize_all(vm, ["g"], 128 * MiB)
    vm.send("restored")
