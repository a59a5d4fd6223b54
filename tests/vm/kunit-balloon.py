# SPDX-License-Identifier: GPL-2.0-only
# The lvos_balloon KUnit suites (the working-set floor, refusals, pressure
# deflates with hysteresis and hold-off, 2 MiB chunk batching, guest-driven
# trimming) on the debug kernel; results
# parsed per suite with the tree's kunit.py (tests/vm/lib/kunitcheck.py).
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from kunitcheck import check_kunit, kunit_guest  # noqa: E402

KERNELS = ["debug"]
TIMEOUT = 120
LVOS = ["lvos_balloon", "lvos_balloon_test"]
SUITES = ["lvos_balloon_floor", "lvos_balloon_batch"]

GUEST = kunit_guest(SUITES)


def check(run):
    return check_kunit(run, SUITES)
