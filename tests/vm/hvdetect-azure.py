# SPDX-License-Identifier: GPL-2.0-only
# An Azure personality: Hyper-V's SMBIOS strings and Azure's fixed chassis
# asset tag. Without Hyper-V's CPUID leaf (TCG cannot provide one) the
# vendor stays qemu; the cloud comes from the asset tag alone.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from hvcommon import guest_script  # noqa: E402

KERNELS = ["6.1", "6.12", "debug", "debug-6.12"]
TIMEOUT = 90
QEMU = dict(
    smbios=["type=0,vendor=Microsoft Corporation,version=Hyper-V UEFI Release v4.1",
            "type=1,manufacturer=Microsoft Corporation,product=Virtual Machine,"
            "version=Hyper-V UEFI Release v4.1",
            "type=3,manufacturer=Microsoft Corporation,"
            "asset=7783-7084-3265-9085-8269-3286-77"],
)
LVOS = ["lvos_hvdetect"]
FILES = {"/bin/lvos-detect-virt": "tools/lvos-detect-virt"}

GUEST = guest_script(
    expect={"vendor": "qemu", "backend": "qemu", "cloud": "azure",
            "emulated": "1", "caps/resize_storvsc": "absent"},
    evidence=['dmi chassis_asset_tag="7783-7084-3265-9085-8269-3286-77" -> azure',
              'dmi product_version="Hyper-V UEFI Release v4.1" -> microsoft'])
