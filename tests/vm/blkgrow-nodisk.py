# SPDX-License-Identifier: GPL-2.0-only
# lvos_blkgrow loaded in a guest with no block device at all (a virtio-scsi
# controller with no disk): it attaches to the block class at load, with
# nothing to find it by, and the first disk, hot-added later, is tracked
# by the time the kernel lists it in /sys/block (the class interface's
# add_dev runs inside device_add(), before add_disk() makes that link).
# watch_ms=10000: a module that still looked for the class on its tick
# would see the disk up to 10 s late, and would have said "no block
# devices yet" at load. The disk's growth is then reported as usual.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import bgcommon  # noqa: E402
from bgcommon import MiB  # noqa: E402

KERNELS = ["6.1", "6.12", "debug"]
TIMEOUT = 150
QEMU = dict(machine=bgcommon.MACHINE, memory="384M",
            devices=["virtio-scsi-pci,id=hs"])
MODULES = ["virtio_scsi", "sd_mod"]
LVOS = bgcommon.LVOS
LVOS_PARAMS = {"lvos_blkgrow": "watch_ms=10000"}

GUEST = bgcommon.HELPERS + r'''
vmtest_eq "no block device in the guest" "$(ls /sys/block | wc -l)" 0
vmtest_check "loaded" test -d $B/disks
vmtest_check "attached at load, not looking for a disk" \
	sh -c '! dmesg | grep -q "lvos_blkgrow: no block devices yet"'
vmtest_eq "nothing tracked" "$(ls $B/disks | wc -l)" 0
t_load=$(vmtest_now_cs)
vmtest_log ready
vmtest_wait_host added 60
vmtest_check "the kernel lists the new disk" vmtest_wait_for 30 sh -c 'ls /sys/block | grep -q "^sd"'
D=$(ls /sys/block | grep "^sd" | head -n 1)
# no wait: add_dev ran before /sys/block/$D was linked
ls $B/disks > /tmp/tracked
t_seen=$(vmtest_now_cs)
vmtest_eq "tracked as soon as listed ($(( (t_seen - t_load) * 10 )) ms after load)" "$(cat /tmp/tracked)" "$D"
vmtest_eq "on its bus" "$(bg $D bus)" virtio_scsi
vmtest_eq "size" "$(bg $D size)" 65536
vmtest_log ready-resize
vmtest_wait_host resized 60
vmtest_check "growth seen by the kernel" vmtest_wait_for 30 size_is $D 131072
vmtest_check "growth recorded (next look, <= watch_ms)" vmtest_wait_for 30 sh -c "test \$(cat $B/disks/$D/changes) -ge 1"
vmtest_eq "new size" "$(bg $D new_size)" 131072
vmtest_check "unload" rmmod lvos_blkgrow
'''


def host(vm):
    from vmtest_lib.machine import make_disk
    vm.wait_line(r"# ready$", timeout=120)
    img = os.path.join(vm.dir, "hot.raw")
    make_disk(img, "raw", "32M")
    vm.qmp_client.disk_add("hot", img, driver="scsi-hd", bus="hs.0")
    vm.send("added")
    vm.wait_line(r"# ready-resize$", timeout=vm.limit(60))
    vm.qmp_client.block_resize("hot", 64 * MiB)
    vm.send("resized")
