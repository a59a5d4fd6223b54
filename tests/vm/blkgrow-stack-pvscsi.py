# SPDX-License-Identifier: GPL-2.0-only
# The whole stack grows online on pvscsi (resize noticed by nothing (lvos's READ CAPACITY poll)):
# ext4 on a GPT partition and xfs on an MBR partition, both mounted and in
# the policy, with checksummed data. The host grows both disks; the guest
# sees the sizes (by a deadline of 2 s nominal, vm.limit), lvos's event runs tools/lvos-blkgrow (as the
# udev rule would), which grows partition (1 MiB aligned, GPT backup moved)
# and filesystem (5 s nominal; the speed is tools/bench/blkgrow's); data intact, audit trail in sysfs, fsck clean.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import bgcommon  # noqa: E402

# not on debug: blkgrow-detect, -guard and -badinput poll pvscsi there

globals().update(bgcommon.stack_test("pvscsi", ["6.1", "6.12", "debug-6.12"]))
