# SPDX-License-Identifier: GPL-2.0-only
# An AWS Nitro personality on QEMU TCG: firmware says Amazon EC2, the CPU is
# still emulated. Vendor follows systemd-detect-virt (amazon), the cloud is
# aws, and the backend stays the emulator that really runs the guest.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from hvcommon import guest_script  # noqa: E402

KERNELS = ["6.1", "6.12", "debug", "debug-6.12"]
TIMEOUT = 90
QEMU = dict(
    smbios=["type=0,vendor=Amazon EC2,version=1.0",
            "type=1,manufacturer=Amazon EC2,product=m5.large",
            "type=3,manufacturer=Amazon EC2,asset=Amazon EC2"],
    disks=[dict(name="n0", size="16M", format="qcow2", bus="nvme")],
)
LVOS = ["lvos_hvdetect"]
FILES = {"/bin/lvos-detect-virt": "tools/lvos-detect-virt"}

GUEST = guest_script(
    expect={"vendor": "amazon", "front": "qemu", "backend": "qemu",
            "cloud": "aws", "metal": "0", "emulated": "1",
            "caps/resize_nvme": "aen", "caps/balloon": "none"},
    evidence=['dmi sys_vendor="Amazon EC2" -> amazon',
              'dmi sys_vendor="Amazon EC2" -> aws'])
