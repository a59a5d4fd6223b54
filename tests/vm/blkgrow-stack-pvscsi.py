# SPDX-License-Identifier: GPL-2.0-only
# The whole stack grows online on pvscsi (resize noticed by nothing (lvos's READ CAPACITY poll)):
# ext4 on a GPT partition and xfs on an MBR partition, both mounted and in
# the policy, with checksummed data. The host grows both disks; the guest
# sees the sizes within 2 s, lvos's event runs tools/lvos-blkgrow (as the
# udev rule would), which grows partition (1 MiB aligned, GPT backup moved)
# and filesystem within 5 s; data intact, audit trail in sysfs, fsck clean.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import bgcommon  # noqa: E402
from bgcommon import MiB  # noqa: E402

KERNELS = ["6.1", "6.12"]    # debug: blkgrow-detect, -guard and -badinput poll pvscsi
TIMEOUT = 180
QEMU = dict(machine=bgcommon.MACHINE, memory="512M",
            disks=[dict(name="a", size="128M", bus="pvscsi"),
                   dict(name="b", size="320M", bus="pvscsi")])
MODULES = ["xfs"]
LVOS = bgcommon.LVOS
BINARIES = bgcommon.BINARIES
FILES = bgcommon.FILES

GUEST = bgcommon.stack_guest([("a", "gpt", "ext4", "/mnt/a"), ("b", "dos", "xfs", "/mnt/b")])


def host(vm):
    bgcommon.stack_host(vm, {"a": 256 * MiB, "b": 512 * MiB})
