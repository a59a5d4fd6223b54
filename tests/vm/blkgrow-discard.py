# SPDX-License-Identifier: GPL-2.0-only
# Handing space back: lvos sends a trim event per discard-capable disk every
# trim_interval (2 s here); the helper runs fstrim on the policy's mounts.
# Files deleted in the guest free their blocks in the host's image file.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import bgcommon  # noqa: E402
from bgcommon import MiB  # noqa: E402

KERNELS = ["6.1", "6.12", "debug-6.12"]
TIMEOUT = 180
QEMU = dict(machine=bgcommon.MACHINE, memory="384M",
            disks=[dict(name="t", size="128M", bus="virtio-blk", format="raw",
                        discard=True)])
LVOS = bgcommon.LVOS
LVOS_PARAMS = {"lvos_blkgrow": "trim_interval=2"}
BINARIES = bgcommon.BINARIES
FILES = bgcommon.FILES

GUEST = bgcommon.HELPERS + bgcommon.STACK + r'''
helper_start
printf 'mounts = /mnt/t\ndiscard = fstrim\n' > /etc/lvos/blkgrow.conf
T=$(by_serial t)
printf 'label: gpt\nstart=2048, type=L\n' | sfdisk -q /dev/$T
vmtest_wait_for 5 test -b /dev/$(part $T 1)
mkfs.ext4 -q -E nodiscard /dev/$(part $T 1)
mkdir -p /mnt/t; mount -o nodiscard /dev/$(part $T 1) /mnt/t
dd if=/dev/urandom of=/mnt/t/big bs=1M count=48 2>/dev/null; sync
vmtest_log written
vmtest_wait_host measured 60
rm /mnt/t/big; sync
s=$(bg $T seq)
trimmed_after() { awk -v d=$T -v s=$1 '$1 == d && $2 == "trim" && $3 > s && $4 == "rc=0" {ok=1} END {exit !ok}' /tmp/helper-done; }
vmtest_check "trim event handled after the delete" vmtest_wait_for 20 trimmed_after $s
vmtest_match "trim layer" "$(bg $T layers)" '^trim done'
vmtest_log trimmed
vmtest_wait_host checked 60
'''


def host(vm):
    vm.wait_line(r"# written$", timeout=240)
    before = vm.disk_allocated("t")
    vm.send("measured")
    vm.wait_line(r"# trimmed$", timeout=120)
    after = vm.disk_allocated("t")
    print("# image allocated %.1f MiB -> %.1f MiB" % (before / MiB, after / MiB))
    vm.send("checked")
    if before - after < 40 * MiB:
        raise AssertionError("the host image kept its blocks: %.1f -> %.1f MiB"
                             % (before / MiB, after / MiB))
