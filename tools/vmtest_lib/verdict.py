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
    ("kmemleak", re.compile(r"unreferenced object")),
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


KTAP_RE = re.compile(r"^(\s*)(not ok|ok)\s+\d+\s+(?:-\s+)?(\S+)(.*)$")


def parse_kunit(text):
    """Parse one suite's /sys/kernel/debug/kunit/<suite>/results.

    Returns dict(passed, failed, skipped, suite_ok, cases=[(ok, name)],
    problems=[str]).  Test cases are the result lines at the first indented
    level (deeper ones are parameters); the unindented line is the suite."""
    res = dict(passed=0, failed=0, skipped=0, suite_ok=None, cases=[], problems=[])
    entries = []
    for line in text.replace("\r", "").split("\n"):
        m = KTAP_RE.match(line.expandtabs(8))
        if m:
            entries.append((len(m.group(1)), m.group(2) == "ok", m.group(3), m.group(4)))
        if "crashed" in line or "errors:" in line:
            res["problems"].append(line.strip())
    indents = sorted({e[0] for e in entries if e[0] > 0})
    case_indent = indents[0] if indents else None
    for indent, ok, name, rest in entries:
        if indent == 0:
            res["suite_ok"] = ok
        elif indent == case_indent:
            skip = "# SKIP" in rest.upper()
            res["cases"].append((ok, name + (" (skipped)" if skip else "")))
            if not ok:
                res["failed"] += 1
            elif skip:
                res["skipped"] += 1
            else:
                res["passed"] += 1
    if res["suite_ok"] is None:
        res["problems"].append("no suite result line (crashed or truncated?)")
    if not res["cases"]:
        res["problems"].append("no test case results")
    return res
