# SPDX-License-Identifier: GPL-2.0-only
# The awkward cases, all at once on virtio-blk: ext4 on a disk with no
# partition table (grown); ext4 on a mount the policy does not name (the
# disk grows, the filesystem is left alone and the helper says why); a
# disk resized three times back to back while a writer keeps the
# filesystem busy (ends at the last size, every event handled in turn,
# the writer's data intact); fsck clean afterwards.
import os
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import bgcommon  # noqa: E402
from bgcommon import MiB  # noqa: E402

KERNELS = ["6.1", "6.12", "debug-6.12"]
TIMEOUT = 240
QEMU = dict(machine=bgcommon.MACHINE, memory="512M",
            disks=[dict(name="w", size="128M", bus="virtio-blk"),
                   dict(name="n", size="128M", bus="virtio-blk"),
                   dict(name="r", size="128M", bus="virtio-blk")])
LVOS = bgcommon.LVOS
BINARIES = bgcommon.BINARIES
FILES = bgcommon.FILES

GUEST = bgcommon.HELPERS + bgcommon.STACK + r'''
helper_start
printf 'mounts = /mnt/w /mnt/r\n' > /etc/lvos/blkgrow.conf
W=$(by_serial w); N=$(by_serial n); R=$(by_serial r)
mkfs.ext4 -q /dev/$W
for d in $N $R; do printf 'label: gpt\nstart=2048, type=L\n' | sfdisk -q /dev/$d; done
vmtest_wait_for 5 test -b /dev/$(part $R 1)
mkfs.ext4 -q /dev/$(part $N 1); mkfs.ext4 -q /dev/$(part $R 1)
mkdir -p /mnt/w /mnt/n /mnt/r
mount /dev/$W /mnt/w; mount /dev/$(part $N 1) /mnt/n; mount /dev/$(part $R 1) /mnt/r
for m in /mnt/w /mnt/n /mnt/r; do mkdata $m; done
KW=$(fs_kb /mnt/w); KN=$(fs_kb /mnt/n); KR=$(fs_kb /mnt/r)
dd if=/dev/urandom of=/tmp/pat bs=1M count=2 2>/dev/null
want=$(md5sum < /tmp/pat)
touch /tmp/io-run
( i=0; while [ -e /tmp/io-run ]; do dd if=/tmp/pat of=/mnt/r/io.$((i % 4)) bs=1M conv=fsync 2>/dev/null; i=$((i + 1)); sleep 0.05; done; echo $i > /tmp/io-count ) &
writer=$!
vmtest_log ready
vmtest_wait_host resized 60
vmtest_check "busy disk: last size reached" vmtest_wait_for 20 size_is $R 524288
vmtest_check "busy disk: ext4 grown to the last size" vmtest_wait_for 30 fs_over /mnt/r $((KR * 9 / 5))
rm /tmp/io-run; wait $writer
vmtest_check "writer ran during the resizes" test "$(cat /tmp/io-count)" -gt 3
vmtest_eq "busy disk: the last change is the last size (back-to-back resizes may coalesce)" "$(bg $R new_size)" 524288
vmtest_check "busy disk: every event handled" vmtest_wait_for 20 helper_done $R "$(bg $R seq)"
for i in 0 1 2 3; do
	vmtest_eq "writer's file $i intact" "$(md5sum < /mnt/r/io.$i)" "$want"
done
vmtest_check "no table: helper done" vmtest_wait_for 20 helper_done $W 1
vmtest_check "no table: ext4 grown" fs_over /mnt/w $((KW * 3 / 2))
vmtest_check "no table: layers" sh -c "grep -q '^partition skipped no-table' $B/disks/$W/layers && grep -q '^fs grown ext4 /mnt/w ' $B/disks/$W/layers"
vmtest_check "not in policy: size seen" size_is $N 393216
vmtest_check "not in policy: helper done" vmtest_wait_for 20 helper_done $N 1
vmtest_check "not in policy: fs left alone" test "$(fs_kb /mnt/n)" -eq "$KN"
vmtest_match "not in policy: said so" "$(bg $N layers)" 'fs skipped not-in-policy /mnt/n'
for m in /mnt/w /mnt/n /mnt/r; do vmtest_check "data intact $m" ckdata $m; done
vmtest_check "helper never failed" sh -c "! grep -v 'rc=0$' /tmp/helper-done"
vmtest_log "$(cat /tmp/helper-done | tr '\n' '|')"
umount /mnt/w /mnt/n /mnt/r
vmtest_check "fsck clean (no table)" e2fsck -fn /dev/$W
vmtest_check "fsck clean (not in policy)" e2fsck -fn /dev/$(part $N 1)
vmtest_check "fsck clean (busy)" e2fsck -fn /dev/$(part $R 1)
'''


def host(vm):
    vm.wait_line(r"# ready$", timeout=240)
    vm.qmp_client.block_resize("w", 192 * MiB)
    vm.qmp_client.block_resize("n", 192 * MiB)
    for size in (160, 192, 256):
        vm.qmp_client.block_resize("r", size * MiB)
        time.sleep(0.05)    # back to back: the guest may see one change or several
    vm.send("resized")
