# SPDX-License-Identifier: GPL-2.0-only
# make demo: Debian's stock 6.1 cloud kernel in QEMU with lvos_hvdetect
# loaded; the guest sends hvdetect's report back for tools/demo to print.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vm", "lib"))
from hvcommon import guest_script  # noqa: E402

KERNELS = ["6.1"]
TIMEOUT = 120
QEMU = dict(
    memory="512M,slots=2,maxmem=2G",
    devices=["virtio-balloon-pci"],
    disks=[dict(name="d0", size="16M", format="qcow2", bus="virtio-blk")],
)
LVOS = ["lvos_hvdetect"]
FILES = {"/bin/lvos-detect-virt": "tools/lvos-detect-virt"}

GUEST = guest_script(
    expect={"vendor": "qemu", "emulated": "1"},
    extra=r'''
{
	echo "\$ uname -r"; uname -r
	echo "\$ lvos-detect-virt"; lvos-detect-virt
	echo "\$ lvos-detect-virt --cloud"; lvos-detect-virt --cloud
	echo "\$ lvos-detect-virt --cvm"; lvos-detect-virt --cvm
	echo "\$ lvos-detect-virt --backend"; lvos-detect-virt --backend
	echo "\$ cat /sys/kernel/lvos/hv/evidence"; cat /sys/kernel/lvos/hv/evidence
	echo "\$ grep . /sys/kernel/lvos/hv/caps/*"; grep . /sys/kernel/lvos/hv/caps/*
	echo "\$ lvos-detect-virt --json"; lvos-detect-virt --json
} > /tmp/report 2>&1
vmtest_send_file report /tmp/report
''')
