# SPDX-License-Identifier: GPL-2.0-only
"""Reading what a guest reported: the verdict channel (ttyS1), the console
(ttyS0) scan for kernel trouble, and KUnit debugfs results."""

import base64
import binascii
import re

RESULT_RE = re.compile(r"^(not ok|ok)\b(?:\s+(\d+))?(?:\s+-)?\s*(.*?)\s*$")
FILE_BEGIN = "lvos-vmtest: file-begin "
FILE_END = "lvos-vmtest: file-end "
DONE = "lvos-vmtest: done"

# Console patterns that fail a run.  No allowlist: a stock kernel that
# warns while booting under the harness is a finding, not noise.
CONSOLE_PATTERNS = [
    ("WARNING", re.compile(r"WARNING:")),
    ("BUG", re.compile(r"BUG:")),
    ("Oops", re.compile(r"Oops")),
    ("KASAN", re.compile(r"KASAN:")),
    ("UBSAN", re.compile(r"UBSAN:")),
    ("kmemleak", re.compile(r"unreferenced object|Kernel memory leak detector disabled|"
                            r"kmemleak: Memory pool empty")),
    ("lockdep", re.compile(r"possible circular locking|possible recursive locking|"
                           r"inconsistent lock state|INFO: trying to register non-static key|"
                           r"suspicious RCU usage")),
    ("panic", re.compile(r"Kernel panic")),
    ("Call Trace", re.compile(r"Call Trace:")),
]


def split_lines(text, complete_only=True):
    """Lines of a serial log without \\r; with complete_only the last,
    still unterminated line is left out."""
    lines = text.split("\n")
    if complete_only:
        lines = lines[:-1]
    return [l.replace("\r", "") for l in lines]


class Verdict:
    """Parsed verdict channel of one guest."""

    def __init__(self, text):
        self.subtests = []       # (ok, name, why)
        self.files = {}          # name -> bytes
        self.logs = []
        self.done = False
        self.garbage = []
        self.started = False
        self.host_ready = False
        self.guest_subtests = 0  # reported by the GUEST script itself
        in_guest = False
        cur = None
        chunks = []
        for line in split_lines(text, complete_only=False):
            if cur is not None:
                if line.startswith(FILE_END):
                    try:
                        self.files[cur] = base64.b64decode("".join(chunks))
                    except (binascii.Error, ValueError):
                        self.files[cur] = "".join(chunks).encode()
                    cur = None
                else:
                    chunks.append(line.strip())
                continue
            if line.startswith(FILE_BEGIN):
                cur, chunks = line[len(FILE_BEGIN):].strip(), []
                continue
            if line.strip() == DONE:
                self.done = True
                continue
            if line.startswith("lvos-vmtest: start"):
                self.started = True
                continue
            if line.startswith("lvos-vmtest: host-channel ready"):
                self.host_ready = True
                continue
            if line.strip() in ("lvos-vmtest: guest-begin", "lvos-vmtest: guest-end"):
                in_guest = line.strip().endswith("begin")
                continue
            if line.startswith("#"):
                self.logs.append(line[1:].strip())
                continue
            m = RESULT_RE.match(line)
            if m:
                desc = m.group(3)
                why = ""
                if " # " in desc:
                    desc, why = desc.split(" # ", 1)
                self.subtests.append((m.group(1) == "ok", desc.strip(), why.strip()))
                self.guest_subtests += in_guest
            elif line.strip():
                self.garbage.append(line)
        if cur is not None:
            self.files[cur] = None       # truncated transfer

    @property
    def failures(self):
        return [(n, w) for ok, n, w in self.subtests if not ok]


def verdict_lines(text):
    """Complete verdict lines outside file transfers (for vm.wait_line)."""
    out = []
    infile = False
    for line in split_lines(text):
        if infile:
            infile = not line.startswith(FILE_END)
            continue
        if line.startswith(FILE_BEGIN):
            infile = True
            continue
        out.append(line)
    return out


def scan_console(text):
    """[(pattern name, line)] for every console line matching a pattern."""
    hits = []
    for line in text.replace("\r", "").split("\n"):
        for name, rx in CONSOLE_PATTERNS:
            if rx.search(line):
                hits.append((name, line.strip()))
                break
    return hits


# A KTAP result line as lib/kunit prints it (and as the tree's kunit.py
# TEST_RESULT accepts it): single spaces, a number, an optional "- ", a
# description without "#", an optional "# DIRECTIVE".  Trailing blanks are
# stripped before matching.
KTAP_RE = re.compile(r"^( *)(not ok|ok) ([0-9]+) (?:- )?([^#\s][^#]*?)\s*((?:# .*)?)$")
KTAP_PLAN_RE = re.compile(r"^( *)1\.\.([0-9]+)$")
KTAP_SUBTEST_RE = re.compile(r"^( *)# Subtest: (\S+)")
# What looks like a result line whether or not it parses: "not ok" however
# spaced or cased, or "ok" followed by a number, a " -" or nothing.  A
# diagnostic continuation such as "ok == 0" does not look like one.
RESULT_LIKE_RE = re.compile(r"^\s*(?:not[\W_]*ok|ok(?:[\s:.-]*[0-9]|\s+-|\s*$))", re.I)
# A result embedded after other text: 6.1 truncates each case's log at
# KUNIT_LOG_SIZE (512) bytes without a newline, so the next case's line is
# glued to the cut one ("    Expected a == b    ok 4 next").
EMBEDDED_RESULT_RE = re.compile(r"\S\s*(?<![\w-])(?:not ok|ok) [0-9]+ \S")
SKIP_RE = re.compile(r"^#\s*SKIP\b\s*(.*)$", re.I)


def _skip_reason(allowed_skips, key):
    """The reason KUNIT_ALLOWED_SKIPS gives for key, or None."""
    why = (allowed_skips or {}).get(key)
    return why.strip() if isinstance(why, str) and why.strip() else None


def parse_kunit(text, allowed_skips=None, suite=None):
    """Parse one suite's /sys/kernel/debug/kunit/<suite>/results.

    allowed_skips: {"suite.case": "why it may skip"} (a test file's
    KUNIT_ALLOWED_SKIPS); suite: the suite the file belongs to (else the
    name in the file).  Returns dict(passed, failed, skipped, suite_ok,
    suite, plan, cases=[(ok, name)], skips=[(case, kernel reason, allowed
    reason or None)], problems=[str]).  Test cases are the result lines at the
    first indented level (deeper ones are parameters); the unindented result
    is the suite.  The suite fails (failed > 0, or problems) on: a not-ok
    case; a skipped case that allowed_skips does not name with a reason
    (counted as failed; an allowed one counts as skipped, not passed); a
    case-level plan 1..N that differs from the number of case result lines
    (on 6.1 a case's log is cut at 512 bytes and its result line can vanish;
    missing cases count as failed); case numbers out of sequence; any line
    that looks like a result but does not parse, or a result glued to other
    text; a missing or foreign suite result line; "crashed"/"errors:"."""
    res = dict(passed=0, failed=0, skipped=0, suite_ok=None, suite=suite, plan=None,
               cases=[], skips=[], problems=[])
    results, plans, mangled, headers, other = [], [], [], [], []
    for lineno, raw in enumerate(text.replace("\r", "").split("\n"), 1):
        line = raw.expandtabs(8).rstrip()
        body = line.lstrip(" ")
        m = KTAP_RE.match(line)
        if m:
            results.append((len(m.group(1)), m.group(2) == "ok", int(m.group(3)),
                            m.group(4), m.group(5), lineno))
            if EMBEDDED_RESULT_RE.search(m.group(4) + " " + m.group(5)):
                mangled.append((lineno, body))
        elif KTAP_PLAN_RE.match(line):
            pm = KTAP_PLAN_RE.match(line)
            plans.append((len(pm.group(1)), int(pm.group(2)), lineno))
        elif RESULT_LIKE_RE.match(body) or EMBEDDED_RESULT_RE.search(body):
            mangled.append((lineno, body))
        elif KTAP_SUBTEST_RE.match(line):
            hm = KTAP_SUBTEST_RE.match(line)
            headers.append((len(hm.group(1)), hm.group(2)))
        if "crashed" in line or "errors:" in line:
            other.append(body)

    # The case level: that of the first indented plan (what the suite
    # promised), else of the first indented result.
    indented = [p[0] for p in plans if p[0] > 0] or [r[0] for r in results if r[0] > 0]
    case_indent = indented[0] if indented else None
    top = [r for r in results if r[0] == 0]
    cases = [r for r in results if case_indent is not None and r[0] == case_indent]
    top_plans = [p for p in plans if p[0] == 0]
    case_plans = [p for p in plans if case_indent is not None and p[0] == case_indent]
    names = [h[1] for h in headers if h[0] == case_indent] + [r[3] for r in top]
    if res["suite"] is None and names:
        res["suite"] = names[0]
    name = res["suite"] or "?"
    problems = res["problems"]

    if len(case_plans) == 1:
        res["plan"] = case_plans[0][1]
        if res["plan"] != len(cases):
            problems.append("plan 1..%d but %d case result line%s (%s)" % (
                res["plan"], len(cases), "" if len(cases) == 1 else "s",
                "a case's result is missing: its log cut at 512 bytes, or a crash?"
                if len(cases) < res["plan"] else "more results than the suite has cases"))
            res["failed"] += max(0, res["plan"] - len(cases))
    elif not case_plans:
        problems.append("no case-level plan line (1..N)")
    else:
        problems.append("%d case-level plan lines" % len(case_plans))
    for lineno, body in mangled:
        problems.append("line %d looks like a result but does not parse: %r"
                        % (lineno, body[:100]))
    for i, (_, _, num, case, _, lineno) in enumerate(cases, 1):
        if num != i:
            problems.append("line %d: case %s is numbered %d, expected %d"
                            % (lineno, case, num, i))
            break

    for _, ok, _, case, directive, _ in cases:
        sm = SKIP_RE.match(directive)
        if directive and not sm:
            problems.append("case %s: unknown directive %r" % (case, directive))
            ok = False
        if not ok:
            res["failed"] += 1
            res["cases"].append((False, case))
        elif sm:
            kreason = sm.group(1).strip() or "no reason given"
            why = _skip_reason(allowed_skips, "%s.%s" % (name, case))
            res["skips"].append((case, kreason, why))
            if why:
                res["skipped"] += 1
                res["cases"].append((True, "%s: skipped (%s), allowed: %s" % (case, kreason, why)))
            else:
                res["failed"] += 1
                res["cases"].append((False, "%s: skipped (%s), not in KUNIT_ALLOWED_SKIPS"
                                     % (case, kreason)))
                problems.append("case %s skipped (%s) without a KUNIT_ALLOWED_SKIPS entry "
                                "giving a reason" % (case, kreason))
        else:
            res["passed"] += 1
            res["cases"].append((True, case))

    if top:
        res["suite_ok"] = all(r[1] for r in top)
        for r in top:
            if r[3] != name:
                problems.append("suite result line names %r, not %r" % (r[3], name))
    if len(top_plans) == 1 and top_plans[0][1] != len(top):
        problems.append("top-level plan 1..%d but %d suite result lines"
                        % (top_plans[0][1], len(top)))
    if res["suite_ok"] is None:
        problems.append("no suite result line (crashed or truncated?)")
    if not cases:
        problems.append("no test case results")
    problems.extend(other)
    return res
