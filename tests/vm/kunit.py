# SPDX-License-Identifier: GPL-2.0-only
# Every lvos KUnit suite in one boot of the debug kernel (KUnit, KASAN,
# UBSAN, lockdep, kmemleak): the five modules and their _test modules, 11
# suites, reported per suite and per case.
#
#   lvos_hvdetect      vendor/cloud/confidential decisions per platform,
#                      sanitising, evidence formatting
#   lvos_pagefile      size/cap policy, ageing and purge policy, slot bookkeeping
#   lvos_vcpu_hotplug  policy modes and the memory zone/ratio plan, density-mode
#                      parking, queue retuning, the refused-CPU reason filter,
#                      the shape notification chain
#   lvos_blkgrow       what a capacity change means, where the data ends, READ
#                      CAPACITY parsing with hostile answers, the helper's
#                      report lines, sources and polled buses
#   lvos_balloon       the working-set floor, refusals, pressure deflates with
#                      hysteresis and hold-off, 2 MiB chunk batching, trimming
#
# Each module is followed by its _test module, whose suites run as it loads;
# lvos_hvdetect comes first (the others but lvos_pagefile import it).
# Nothing is unloaded before the harness has sent every
# /sys/kernel/debug/kunit/<suite>/results file (after the GUEST script, before
# the rmmods; a suite's results go with its _test module). The runner parses
# each file (tools/vmtest_lib/verdict.py parse_kunit) and check() parses each
# on its own with the debug tree's kunit.py (tests/vm/lib/kunitcheck.py):
# a failed, missing or unparsable case, a plan 1..N that differs from the
# cases seen, and a skip not allowed below all fail the run.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from kunitcheck import check_kunit, kunit_guest  # noqa: E402

KERNELS = ["debug", "debug-6.12"]
# One boot instead of five (each took 36-50 s of QEMU on the debug kernel,
# mostly boot, rmmod and kmemleak scans). All 11 suites in one boot took
# 51 s of QEMU on the 2-core host at load 4, 89 s at load 9, and 164 s at
# load 10-14 with failing cases printing; the debug kernel gets 3x: 360 s.
TIMEOUT = 120

# module -> the suites of its _test module (kunit/*_test.c)
MODULE_SUITES = [
    ("lvos_hvdetect", ["lvos_hvdetect"]),
    ("lvos_pagefile", ["lvos_pagefile_policy", "lvos_pagefile_ageing", "lvos_pagefile_slots"]),
    ("lvos_vcpu_hotplug", ["lvos_vcpu_hotplug_policy", "lvos_vcpu_hotplug_park",
                           "lvos_vcpu_hotplug_retune"]),
    ("lvos_blkgrow", ["lvos_blkgrow_policy", "lvos_blkgrow_parse"]),
    ("lvos_balloon", ["lvos_balloon_floor", "lvos_balloon_batch"]),
    ("lvos_netpv", ["lvos_netpv_layout", "lvos_netpv_ring"]),
]
LVOS = [m for mod, _ in MODULE_SUITES for m in (mod, mod + "_test")]
SUITES = [s for _, suites in MODULE_SUITES for s in suites]

# A case that calls kunit_skip() fails the run unless it is listed here with
# the reason it may skip: {"suite.case": "why"}. It is then reported as
# skipped, not passed. No case skips today.
KUNIT_ALLOWED_SKIPS = {}

GUEST = kunit_guest(SUITES)


def check(run):
    return check_kunit(run, SUITES, KUNIT_ALLOWED_SKIPS)
