# SPDX-License-Identifier: GPL-2.0-only
# Hostile firmware strings: a 400-byte manufacturer that claims another
# hypervisor (it starts like VMware's, so the DMI rule alone would say
# vmware: only the CPUID path finds QEMU) and goes on with quotes,
# backslashes and UTF-8, and an empty product name. Detection must not
# crash, must escape and cut the evidence value, and must decide from
# CPUID (TCG's signature) that this is QEMU.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from hvcommon import guest_script  # noqa: E402

KERNELS = ["6.1", "6.12", "debug"]
TIMEOUT = 90
LONG = "VMware\"Evil\\\\" + "\u00e9" + "X" * 400
QEMU = dict(smbios=["type=1,manufacturer=%s,product=" % LONG.replace(",", ",,")])
LVOS = ["lvos_hvdetect"]
FILES = {"/bin/lvos-detect-virt": "tools/lvos-detect-virt"}

GUEST = guest_script(
    expect={"vendor": "qemu", "front": "qemu", "cloud": "none", "emulated": "1"},
    evidence=['dmi sys_vendor="VMware\\x22Evil\\x5c\\x5c\\xc3\\xa9XXXX',
              'cpuid 0x40000000="TCGTCGTCGTCG" -> qemu (TCG emulation)'],
    extra=r'''
v=$(grep -c . $hv/evidence)
vmtest_check "evidence still readable ($v lines)" test "$v" -ge 3
long=$(awk 'length($0) > 200' $hv/evidence | wc -l)
vmtest_eq "no evidence line is longer than 200 bytes" "$long" 0
vmtest_eq "dmi manufacturer really is hostile" "$(head -c 11 /sys/class/dmi/id/sys_vendor)" 'VMware"Evil'
''')
