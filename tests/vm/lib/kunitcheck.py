# SPDX-License-Identifier: GPL-2.0-only
"""Parse KUnit results files with the debug tree's own kunit.py.

Each /sys/kernel/debug/kunit/<suite>/results file is parsed on its own:
on 6.1, kunit.py parse of concatenated files silently drops every suite
after the first, and raw dmesg parses as errors with exit status 0. A suite
fails on a non-zero exit, on "errors:" or "crashed" in the summary, on an
empty or missing file, and on zero test cases.
"""
import json
import os
import re
import subprocess


def _count(node, acc):
    for case in node.get("test_cases", []):
        acc[case.get("status", "")] = acc.get(case.get("status", ""), 0) + 1
    for sub in node.get("sub_groups", []):
        _count(sub, acc)
    return acc


def check_kunit(run, suites):
    tree = run.kernel_tree
    if not tree:
        raise RuntimeError("no kernel tree for %s: kunit.py unavailable" % run.kernel)
    tool = os.path.join(tree, "tools", "testing", "kunit", "kunit.py")
    subtests = []
    passed = failed = 0
    for suite in suites:
        path = run.files.get("kunit/" + suite)
        if not path or not os.path.getsize(path):
            subtests.append((False, "kunit %s: no results file" % suite))
            failed += 1
            continue
        js = os.path.join(run.dir, "kunit-%s.json" % suite)
        p = subprocess.run(["python3", tool, "parse", "--json=" + js, path],
                           capture_output=True, text=True, timeout=120)
        out = p.stdout + p.stderr
        with open(os.path.join(run.dir, "kunit-%s.parse.log" % suite), "w") as f:
            f.write(out)
        summary = [l for l in out.splitlines() if "Testing complete" in l or "Ran " in l]
        bad = p.returncode != 0 or re.search(r"errors:|crashed", out, re.I)
        subtests.append((not bad, "kunit.py parse %s: exit %d, %s"
                         % (suite, p.returncode, summary[-1].strip() if summary else "no summary")))
        counts = {}
        if os.path.exists(js):
            with open(js) as f:
                _count(json.load(f), counts)
        ok = counts.get("PASS", 0) + counts.get("SKIP", 0)
        nok = sum(v for k, v in counts.items() if k not in ("PASS", "SKIP"))
        if ok + nok == 0:
            subtests.append((False, "kunit %s: no test cases parsed" % suite))
            nok = 1
        passed += ok
        failed += nok + (1 if bad and nok == 0 else 0)
    return {"subtests": subtests, "kunit": {"passed": passed, "failed": failed}}


def kunit_guest(suites):
    """The guest script of a KUnit test file: each suite must have run."""
    return r'''
for s in %s; do
	vmtest_check "kunit suite $s ran" grep -qE "^(not )?ok " /sys/kernel/debug/kunit/$s/results
done
''' % " ".join(suites)
