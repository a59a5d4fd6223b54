# SPDX-License-Identifier: GPL-2.0-only
# ext4 on LVM on LUKS2 on GPT, mounted and in the policy: the host grows
# the disk and the helper grows every layer online on lvos's event
# (partition 1 MiB aligned, cryptsetup resize with the policy's key file,
# pvresize, lvextend, resize2fs); data intact, each layer in the audit
# trail, fsck clean. The 6.1 debug kernel has no XTS cipher; the 6.12 one has.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import bgcommon  # noqa: E402
from bgcommon import MiB  # noqa: E402

KERNELS = ["6.1", "6.12", "debug-6.12"]
TIMEOUT = 240
QEMU = dict(machine=bgcommon.MACHINE, memory="512M",
            disks=[dict(name="l", size="160M", bus="virtio-blk")])
MODULES = ["dm_mod", "dm_crypt", "ecb", "xts", "algif_skcipher"]
LVOS = bgcommon.LVOS
BINARIES = bgcommon.BINARIES + bgcommon.LVM_BINARIES
FILES = bgcommon.FILES

GUEST = bgcommon.HELPERS + bgcommon.STACK + r'''
export DM_DISABLE_UDEV=1 LVM_SUPPRESS_FD_WARNINGS=1
helper_start
L=$(by_serial l)
head -c 64 /dev/urandom > /etc/lvos/luks.key
printf 'mounts = /mnt/l\nluks_keyfile = /etc/lvos/luks.key\n' > /etc/lvos/blkgrow.conf
printf 'label: gpt\nstart=2048, type=L\n' | sfdisk -q /dev/$L
P=$(part $L 1)
vmtest_wait_for 5 test -b /dev/$P
vmtest_check "luksFormat" cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file /etc/lvos/luks.key /dev/$P
vmtest_check "luksOpen" cryptsetup open --key-file /etc/lvos/luks.key /dev/$P crypt0
vmtest_check "pvcreate" lvm pvcreate -q /dev/mapper/crypt0
vmtest_check "vgcreate" lvm vgcreate -q vg0 /dev/mapper/crypt0
vmtest_check "lvcreate" lvm lvcreate -q -y -l 100%FREE -n data vg0
vmtest_check "mkfs" mkfs.ext4 -q /dev/mapper/vg0-data
mkdir -p /mnt/l
vmtest_check "mounted" mount /dev/mapper/vg0-data /mnt/l
mkdata /mnt/l
K=$(fs_kb /mnt/l)
vmtest_log ready
vmtest_wait_host resized 60
vmtest_wait_for 10 size_is $L 655360 && vmtest_log "seen l"
vmtest_wait_for 20 fs_over /mnt/l $((K * 3 / 2)) && vmtest_log "fsgrown l"
vmtest_check "ext4 on LVM on LUKS grown" fs_over /mnt/l $((K * 3 / 2))
vmtest_check "helper done" vmtest_wait_for 10 helper_done $L 1
vmtest_check "data intact" ckdata /mnt/l
layers=$(bg $L layers)
vmtest_match "partition layer" "$layers" "^partition grown $P "
vmtest_match "luks layer" "$layers" '^luks grown crypt0'
vmtest_match "lvm layer" "$layers" '^lvm grown'
vmtest_match "fs layer" "$layers" '^fs grown ext4 /mnt/l '
e=$(( $(cat /sys/class/block/$P/start) + $(cat /sys/class/block/$P/size) ))
vmtest_eq "partition end aligned to 1 MiB (LUKS 4K sectors stay aligned)" $((e % 2048)) 0
vmtest_log "$layers"
vmtest_log "$(cat /tmp/helper.log | tr '\n' '|')"
umount /mnt/l
vmtest_check "fsck clean" e2fsck -fn /dev/mapper/vg0-data
lvm vgchange -q -an vg0 >/dev/null 2>&1; cryptsetup close crypt0
'''


def host(vm):
    bgcommon.stack_host(vm, {"l": 320 * MiB})
