# SPDX-License-Identifier: GPL-2.0-only
# An Oracle Cloud personality: a stock QEMU machine whose chassis asset tag
# is OracleCloud.com. Vendor qemu (TCG), cloud oracle.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from hvcommon import guest_script  # noqa: E402

KERNELS = ["6.1", "6.12", "debug", "debug-6.12"]
TIMEOUT = 90
QEMU = dict(smbios=["type=3,asset=OracleCloud.com"])
LVOS = ["lvos_hvdetect"]
FILES = {"/bin/lvos-detect-virt": "tools/lvos-detect-virt"}

GUEST = guest_script(
    expect={"vendor": "qemu", "cloud": "oracle", "metal": "0"},
    evidence=['dmi chassis_asset_tag="OracleCloud.com" -> oracle'])
