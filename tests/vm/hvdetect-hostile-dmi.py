# SPDX-License-Identifier: GPL-2.0-only
# Hostile firmware strings: a 400-byte manufacturer that starts like QEMU's
# but goes on with quotes, backslashes and UTF-8, and an empty product name.
# Detection must not crash, must escape and cut the evidence value, and must
# still decide from CPUID.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from hvcommon import guest_script  # noqa: E402

TIMEOUT = 90
LONG = "QEMU\"Evil\\\\" + "\u00e9" + "X" * 400
QEMU = dict(smbios=["type=1,manufacturer=%s,product=" % LONG.replace(",", ",,")])
LVOS = ["lvos_hvdetect"]
FILES = {"/bin/lvos-detect-virt": "tools/lvos-detect-virt"}

GUEST = guest_script(
    expect={"vendor": "qemu", "cloud": "none"},
    evidence=['dmi sys_vendor="QEMU\\x22Evil\\x5c\\x5c\\xc3\\xa9XXXX'],
    extra=r'''
v=$(grep -c . $hv/evidence)
vmtest_check "evidence still readable ($v lines)" test "$v" -ge 3
long=$(awk 'length($0) > 200' $hv/evidence | wc -l)
vmtest_eq "no evidence line is longer than 200 bytes" "$long" 0
vmtest_eq "dmi manufacturer really is hostile" "$(head -c 9 /sys/class/dmi/id/sys_vendor)" 'QEMU"Evil'
''')
