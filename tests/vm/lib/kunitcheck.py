# SPDX-License-Identifier: GPL-2.0-only
"""Parse KUnit results files with the debug tree's own kunit.py.

Each /sys/kernel/debug/kunit/<suite>/results file is parsed on its own:
on 6.1, kunit.py parse of concatenated files silently drops every suite
after the first, and raw dmesg parses as errors with exit status 0. A suite
fails on a non-zero exit, on "errors:" or "crashed" in the summary, on an
empty or missing file, and on zero test cases.

kunit.py itself lets three things through, so each is checked here too:
  * skips: a skipped case fails unless the test file's KUNIT_ALLOWED_SKIPS
    ({"suite.case": "why it may skip"}) names it with a reason; an allowed
    skip is reported as skipped (not passed), its reason in the name;
  * the plan: the suite's case-level "1..N" must equal the number of case
    result lines kunit.py recognises (6.1 cuts each case's log at 512 bytes,
    so a case's result line can vanish);
  * unparsed results: a line that looks like a result but that kunit.py's
    TEST_RESULT does not match (kunit.py keeps it as a diagnostic and drops
    it), or a result glued to other text, fails the suite.
A suite that ran but is not in the test file's list fails too.
"""
import json
import os
import re
import subprocess
import sys

try:
    from vmtest_lib.verdict import EMBEDDED_RESULT_RE, RESULT_LIKE_RE
except ImportError:     # run outside tools/vmtest (tools/tests/kunit-parse-test)
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    "..", "..", "..", "tools"))
    from vmtest_lib.verdict import EMBEDDED_RESULT_RE, RESULT_LIKE_RE

PLAN_RE = re.compile(r"^( *)1\.\.([0-9]+)\s*$")


def _kunit_result_re(tool_dir):
    """kunit.py's own TEST_RESULT regex (tools/testing/kunit/kunit_parser.py)."""
    if tool_dir not in sys.path:
        sys.path.append(tool_dir)
    import kunit_parser  # noqa: E402  (from the debug tree)
    return kunit_parser.TEST_RESULT


def _cases(node, suite):
    """[(suite.case, status)] of a kunit.py JSON tree (parameters as their case)."""
    out = []
    for case in node.get("test_cases", []):
        out.append(("%s.%s" % (node.get("name"), case.get("name")), case.get("status", "")))
    for sub in node.get("sub_groups", []):
        if sub.get("name") == suite or node.get("name") != suite:
            out.extend(_cases(sub, suite))
        else:   # a parameterised case: its params decide its status
            st = [s for _, s in _cases(sub, suite)]
            out.append(("%s.%s" % (suite, sub.get("name")),
                        "FAIL" if any(s not in ("PASS", "SKIP") for s in st)
                        else "SKIP" if st and all(s == "SKIP" for s in st) else "PASS"))
    return out


def scan_raw(text, test_result):
    """-> (plan or None, [case result lines], [unparsed result-like lines]):
    the suite's case-level plan and results as kunit.py's TEST_RESULT sees
    them (the case level is that of the first indented plan)."""
    lines = [l.expandtabs(8).rstrip() for l in text.replace("\r", "").split("\n")]
    plans = [(len(m.group(1)), int(m.group(2))) for m in map(PLAN_RE.match, lines) if m]
    indented = [i for i, _ in plans if i > 0]
    level = indented[0] if indented else None
    case_plans = [n for i, n in plans if i == level]
    results, mangled = [], []
    for line in lines:
        body = line.lstrip(" ")
        m = test_result.match(line)
        if m:
            if EMBEDDED_RESULT_RE.search(m.group(4) + (m.group(5) or "")):
                mangled.append(body)
            if level is not None and len(line) - len(body) == level:
                results.append(body)
        elif RESULT_LIKE_RE.match(body) or EMBEDDED_RESULT_RE.search(body):
            mangled.append(body)
    return (case_plans[0] if len(case_plans) == 1 else None), results, mangled


def check_kunit(run, suites, allowed_skips=None):
    """check() of a KUnit test file: suites is its SUITES, allowed_skips its
    KUNIT_ALLOWED_SKIPS."""
    tree = run.kernel_tree
    if not tree:
        raise RuntimeError("no kernel tree for %s: kunit.py unavailable" % run.kernel)
    tool_dir = os.path.join(tree, "tools", "testing", "kunit")
    tool = os.path.join(tool_dir, "kunit.py")
    test_result = _kunit_result_re(tool_dir)
    allowed_skips = dict(allowed_skips or {})
    subtests = []
    passed = failed = skipped = 0

    for key, why in sorted(allowed_skips.items()):
        s = key.split(".", 1)[0]
        if "." not in key or s not in suites:
            subtests.append((False, "KUNIT_ALLOWED_SKIPS: %r is not <suite>.<case> of a suite "
                             "in SUITES" % key))
            failed += 1
        elif not (isinstance(why, str) and why.strip()):
            subtests.append((False, "KUNIT_ALLOWED_SKIPS: %s needs a reason" % key))
            failed += 1
    for name in sorted(run.files):
        if name.startswith("kunit/") and name[len("kunit/"):] not in suites:
            subtests.append((False, "kunit suite %s ran but is not in SUITES"
                             % name[len("kunit/"):]))
            failed += 1

    for suite in suites:
        path = run.files.get("kunit/" + suite)
        if not path or not os.path.getsize(path):
            subtests.append((False, "kunit %s: no results file" % suite))
            failed += 1
            continue
        js = os.path.join(run.dir, "kunit-%s.json" % suite)
        if os.path.exists(js):
            os.unlink(js)
        p = subprocess.run(["python3", tool, "parse", "--json=" + js, path],
                           capture_output=True, text=True, timeout=120)
        out = p.stdout + p.stderr
        with open(os.path.join(run.dir, "kunit-%s.parse.log" % suite), "w") as f:
            f.write(out)
        summary = [l for l in out.splitlines() if "Testing complete" in l or "Ran " in l]
        bad = p.returncode != 0 or re.search(r"errors:|crashed", out, re.I)
        first = len(subtests)
        subtests.append((not bad, "kunit.py parse %s: exit %d, %s"
                         % (suite, p.returncode, summary[-1].strip() if summary else "no summary")))
        nok = 0     # failed cases (kunit.py's view, unallowed skips included)

        with open(path, errors="replace") as f:
            plan, results, mangled = scan_raw(f.read(), test_result)
        if plan is None:
            subtests.append((False, "kunit %s: no single case-level plan line 1..N" % suite))
        else:
            subtests.append((plan == len(results), "kunit %s: plan 1..%d, %d case result lines%s"
                             % (suite, plan, len(results),
                                "" if plan == len(results) else
                                " (a case's result is missing: log cut at 512 bytes or a crash?)"
                                if len(results) < plan else " (more results than cases)")))
        for body in mangled:
            subtests.append((False, "kunit %s: looks like a result but kunit.py does not parse "
                             "it: %r" % (suite, body[:100])))

        cases = []
        if os.path.exists(js):
            with open(js) as f:
                cases = _cases(json.load(f), suite)
        if not cases:
            subtests.append((False, "kunit %s: no test cases parsed" % suite))
        ok = sk = 0
        for key, status in cases:
            if status == "PASS":
                ok += 1
            elif status == "SKIP":
                why = allowed_skips.get(key)
                if isinstance(why, str) and why.strip():
                    sk += 1
                    subtests.append((True, "kunit %s: skipped, allowed: %s" % (key, why.strip())))
                else:
                    nok += 1
                    subtests.append((False, "kunit %s: skipped, not in KUNIT_ALLOWED_SKIPS" % key))
            else:
                nok += 1
        passed += ok
        skipped += sk
        # a suite that fails any check counts at least one failure
        failed += max(nok, int(not all(st[0] for st in subtests[first:])))
    return {"subtests": subtests,
            "kunit": {"passed": passed, "failed": failed, "skipped": skipped}}


def kunit_guest(suites):
    """The guest script of a KUnit test file: each suite must have run."""
    return r'''
for s in %s; do
	vmtest_check "kunit suite $s ran" grep -qE "^(not )?ok " /sys/kernel/debug/kunit/$s/results
done
''' % " ".join(suites)
