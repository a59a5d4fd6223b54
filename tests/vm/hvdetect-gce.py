# SPDX-License-Identifier: GPL-2.0-only
# A Google Compute Engine personality: vendor google as systemd-detect-virt
# says, cloud gce, virtio-scsi disk reported as event-notified.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from hvcommon import guest_script  # noqa: E402

KERNELS = ["6.1", "6.12", "debug", "debug-6.12"]
TIMEOUT = 90
QEMU = dict(
    smbios=["type=0,vendor=Google",
            "type=1,manufacturer=Google,product=Google Compute Engine"],
    devices=["virtio-scsi-pci,id=scsi0"],
)
LVOS = ["lvos_hvdetect"]
FILES = {"/bin/lvos-detect-virt": "tools/lvos-detect-virt"}

GUEST = guest_script(
    expect={"vendor": "google", "backend": "qemu", "cloud": "gce",
            "caps/resize_virtio_scsi": "event"},
    evidence=['dmi product_name="Google Compute Engine" -> google',
              'dmi product_name="Google Compute Engine" -> gce'])
