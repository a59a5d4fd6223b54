# SPDX-License-Identifier: GPL-2.0-only
"""Shared guest-side checks for the hvdetect VM tests.

A test names the answer it expects (sysfs file -> value) and lines that
must be in the evidence; guest_script() turns that into a busybox script
that reads /sys/kernel/lvos/hv inside the guest and reports each check on
the verdict channel. Also checks that every file is world-readable (0444)
and that lvos-detect-virt (shipped with FILES) agrees with sysfs.
"""

HV = "/sys/kernel/lvos/hv"


def _q(s):
    return "'" + s.replace("'", "'\\''") + "'"


def guest_script(expect, evidence=(), absent_evidence=(), extra=""):
    lines = [
        'hv=%s' % HV,
        'vmtest_check "hvdetect sysfs directory exists" test -d "$hv"',
        # the whole report on the console, for the log and make demo
        'for f in $(find "$hv" -type f | sort); do echo "$f: $(cat "$f" | head -c 2000)"; done',
        'bad=$(find "$hv" -type f ! -perm 0444 | tr "\\n" " ")',
        'vmtest_eq "every hv file is mode 0444" "$bad" ""',
        'n=$(find "$hv" -type f | wc -l)',
        'vmtest_check "hv has at least 25 files ($n)" test "$n" -ge 25',
    ]
    for path, value in expect.items():
        lines.append('vmtest_eq %s "$(cat "$hv/%s")" %s'
                     % (_q("hv/%s = %s" % (path, value)), path, _q(value)))
    for ev in evidence:
        lines.append('vmtest_check %s grep -qF -- %s "$hv/evidence"'
                     % (_q("evidence has: " + ev), _q(ev)))
    for ev in absent_evidence:
        lines.append('vmtest_check %s sh -c %s'
                     % (_q("evidence lacks: " + ev),
                        _q('! grep -qF -- %s %s/evidence' % (_q(ev), HV))))
    if "vendor" in expect:
        vendor = expect["vendor"]
        rc = "1" if vendor == "none" else "0"
        lines += [
            'if vmtest_check "lvos-detect-virt is in the guest" test -x /bin/lvos-detect-virt; then',
            '  out=$(lvos-detect-virt); rc=$?',
            '  vmtest_eq "lvos-detect-virt prints the vendor" "$out" %s' % _q(vendor),
            '  vmtest_eq "lvos-detect-virt exit status" "$rc" %s' % rc,
            '  lvos-detect-virt --json > /tmp/hv.json',
            '  vmtest_check "lvos-detect-virt --json has the vendor" grep -qF %s /tmp/hv.json'
            % _q('"vendor": "%s"' % vendor),
            '  vmtest_send_file detect-virt.json /tmp/hv.json',
            'fi',
        ]
    if "cloud" in expect:
        cloud = expect["cloud"]
        lines += [
            'out=$(lvos-detect-virt --cloud); rc=$?',
            'vmtest_eq "lvos-detect-virt --cloud" "$out $rc" %s'
            % _q("%s %s" % (cloud, "1" if cloud == "none" else "0")),
        ]
    lines.append(extra)
    return "\n".join(lines) + "\n"
