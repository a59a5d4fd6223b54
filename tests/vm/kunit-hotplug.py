# SPDX-License-Identifier: GPL-2.0-only
# The lvos_vcpu_hotplug KUnit suites (policy modes and the memory zone/ratio
# plan, density-mode parking, queue retuning, the refused-CPU reason
# filter, the shape notification chain) on the debug kernel; results parsed
# per suite with the tree's kunit.py (tests/vm/lib/kunitcheck.py).
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from kunitcheck import check_kunit, kunit_guest  # noqa: E402

KERNELS = ["debug"]
TIMEOUT = 120
LVOS = ["lvos_vcpu_hotplug", "lvos_vcpu_hotplug_test"]
SUITES = ["lvos_vcpu_hotplug_policy", "lvos_vcpu_hotplug_park", "lvos_vcpu_hotplug_retune"]

GUEST = kunit_guest(SUITES)


def check(run):
    return check_kunit(run, SUITES)
