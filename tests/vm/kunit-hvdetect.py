# SPDX-License-Identifier: GPL-2.0-only
# The hvdetect KUnit suite on the debug kernel (KUnit, KASAN, lockdep,
# kmemleak). The harness copies /sys/kernel/debug/kunit/<suite>/results out
# before unloading and check() parses each file on its own with the debug
# tree's tools/testing/kunit/kunit.py parse.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from kunitcheck import check_kunit, kunit_guest  # noqa: E402

KERNELS = ["debug"]
TIMEOUT = 120
LVOS = ["lvos_hvdetect", "lvos_hvdetect_test"]
SUITES = ["lvos_hvdetect"]

GUEST = kunit_guest(SUITES)


def check(run):
    return check_kunit(run, SUITES)
