# SPDX-License-Identifier: GPL-2.0-only
# Benchmark guest (not a test): stock driver, make(oom=True, report=False, overcommit=False, kinds=("fresh",)); see blbench.py.
# Run with tools/bench/balloon.
import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import blbench  # noqa: E402

globals().update(blbench.make("stock", oom=True, report=False, overcommit=False, kinds=("fresh",)))
