# SPDX-License-Identifier: GPL-2.0-only
# The lvos_pagefile KUnit suites (size/cap policy, ageing and purge policy,
# slot bookkeeping, stats arithmetic) on the debug kernel; results parsed
# per suite with the tree's kunit.py (tests/vm/lib/kunitcheck.py).
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from kunitcheck import check_kunit, kunit_guest  # noqa: E402

KERNELS = ["debug"]
TIMEOUT = 120
LVOS = ["lvos_pagefile", "lvos_pagefile_test"]
SUITES = ["lvos_pagefile_policy", "lvos_pagefile_ageing", "lvos_pagefile_slots"]

GUEST = kunit_guest(SUITES)


def check(run):
    return check_kunit(run, SUITES)
