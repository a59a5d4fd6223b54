# SPDX-License-Identifier: GPL-2.0-only
# The lvos_blkgrow KUnit suites (what a capacity change means, where the
# data ends, READ CAPACITY parsing with hostile answers, the helper's
# report lines, sources and polled buses) on the debug kernel; results
# parsed per suite with the tree's kunit.py (tests/vm/lib/kunitcheck.py).
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from kunitcheck import check_kunit, kunit_guest  # noqa: E402

KERNELS = ["debug"]
TIMEOUT = 120
LVOS = ["lvos_blkgrow", "lvos_blkgrow_test"]
SUITES = ["lvos_blkgrow_policy", "lvos_blkgrow_parse"]

GUEST = kunit_guest(SUITES)


def check(run):
    return check_kunit(run, SUITES)
