# SPDX-License-Identifier: GPL-2.0-only
# hvdetect on plain QEMU under TCG: vendor qemu, emulated, and the capability
# vector follows the devices given (virtio-blk, virtio-scsi, NVMe, balloon,
# ACPI memory slots). The KUnit-free end-to-end path for the common case.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from hvcommon import guest_script  # noqa: E402

KERNELS = ["6.1", "6.12", "debug"]
TIMEOUT = 90
QEMU = dict(
    memory="512M,slots=2,maxmem=2G",
    devices=["virtio-balloon-pci", "virtio-scsi-pci,id=scsi0", "vmgenid"],
    disks=[dict(name="d0", size="16M", format="qcow2", bus="virtio-blk"),
           dict(name="n0", size="16M", format="qcow2", bus="nvme")],
)
LVOS = ["lvos_hvdetect"]
FILES = {"/bin/lvos-detect-virt": "tools/lvos-detect-virt"}

GUEST = guest_script(
    expect={
        "vendor": "qemu", "front": "qemu", "backend": "qemu", "cloud": "none",
        "metal": "0", "confidential": "none", "emulated": "1",
        "x86_hyper_type": "native", "kvm_features": "0x00000000",
        "signatures": "0x40000000 TCGTCGTCGTCG",
        "caps/balloon": "virtio", "caps/mem_hotplug": "acpi-dimm",
        "caps/pvclock": "tsc", "caps/steal_time": "0",
        "caps/resize_virtio_blk": "config-interrupt",
        "caps/resize_virtio_scsi": "event", "caps/resize_nvme": "aen",
        "caps/resize_pvscsi": "absent", "caps/resize_storvsc": "absent",
        "caps/resize_xen_blk": "absent",
    },
    evidence=['cpuid 0x40000000="TCGTCGTCGTCG" -> qemu (TCG emulation)',
              'dmi sys_vendor="QEMU" -> qemu',
              'cpuid hypervisor_bit="1" -> virtual machine',
              'acpi QEMU0002="present" -> qemu',
              'acpi VM_Gen_Counter="present" -> virtual machine'],
    extra=r'''
ns=$(cat $hv/detect_ns)
vmtest_log "detect_ns=$ns"
vmtest_match "detect_ns is a number" "$ns" '^[0-9]+$'
# detection runs inside insmod: its time is more than nothing and less than
# the whole insmod took, measured around a reload
t0=$(vmtest_now_cs)
rmmod lvos_hvdetect && insmod /lib/lvos/lvos_hvdetect.ko
t1=$(vmtest_now_cs)
ns=$(cat $hv/detect_ns)
vmtest_check "detect_ns within the reload ($ns ns, insmod took $(( (t1 - t0) * 10 )) ms)" \
	test "$ns" -gt 0 -a "$ns" -le $(( (t1 - t0 + 1) * 10000000 ))
''')
