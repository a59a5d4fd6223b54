# SPDX-License-Identifier: GPL-2.0-only
# A VMware personality: QEMU's VMware backdoor (vmport), VMware SMBIOS, a
# pvscsi HBA and a vmxnet3 NIC, and the TCG CPUID leaf hidden
# (tcg-cpuid=off) so only firmware, devices and the backdoor speak.
# hvdetect must say vmware from that evidence, and report that pvscsi gives
# no capacity-change notification.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from hvcommon import guest_script  # noqa: E402

KERNELS = ["6.1", "6.12", "debug"]
TIMEOUT = 90
QEMU = dict(
    machine="q35,vmport=on",
    cpu="qemu64,tcg-cpuid=off",
    smbios=["type=0,vendor=Phoenix Technologies LTD",
            "type=1,manufacturer=VMware,, Inc.,product=VMware Virtual Platform"],
    devices=["pvscsi", "vmxnet3,netdev=n0"],
    args=["-netdev", "user,id=n0"],
)
LVOS = ["lvos_hvdetect"]
FILES = {"/bin/lvos-detect-virt": "tools/lvos-detect-virt"}

GUEST = guest_script(
    expect={
        "vendor": "vmware", "front": "none", "backend": "vmware",
        "cloud": "none", "emulated": "0", "x86_hyper_type": "native",
        "signatures": "", "caps/balloon": "vmware",
        "caps/resize_pvscsi": "none", "caps/resize_virtio_blk": "absent",
        "caps/pvclock": "tsc",
    },
    evidence=['dmi product_name="VMware Virtual Platform" -> vmware',
              'dmi sys_vendor="VMware, Inc." -> vmware',
              'ioport vmware_backdoor=',
              'pci vendor="0x15ad" -> vmware'],
    absent_evidence=['TCGTCGTCGTCG'])
