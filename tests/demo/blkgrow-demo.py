# SPDX-License-Identifier: GPL-2.0-only
# make demo, part 4: Debian's stock 6.1 cloud kernel with lvos_blkgrow and
# its helper (run on lvos's event as the udev rule would). A mounted ext4
# on a GPT partition of a VMware pvscsi disk (an adapter that never tells
# the guest): the host grows the disk over QMP and df grows by itself; then
# the host shrinks it below the data and the disk turns read-only. The
# guest sends its report back for tools/demo.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vm", "lib"))
import bgcommon  # noqa: E402
from bgcommon import MiB  # noqa: E402

KERNELS = ["6.1"]
TIMEOUT = 180
QEMU = dict(machine=bgcommon.MACHINE, memory="512M",
            disks=[dict(name="data", size="128M", bus="pvscsi")])
LVOS = bgcommon.LVOS
BINARIES = bgcommon.BINARIES
FILES = bgcommon.FILES

GUEST = bgcommon.HELPERS + bgcommon.STACK + r'''
R=/tmp/report
show() { echo "\$ $*"; sh -c "$*"; }
helper_start
printf 'mounts = /srv/data\n' > /etc/lvos/blkgrow.conf
D=$(by_serial data)
printf 'label: gpt\nstart=2048, type=L\n' | sfdisk -q /dev/$D
vmtest_wait_for 5 test -b /dev/${D}1
mkfs.ext4 -q /dev/${D}1; mkdir -p /srv/data; mount /dev/${D}1 /srv/data
K=$(fs_kb /srv/data)
{
	show uname -r
	show "cat /etc/lvos/blkgrow.conf"
	show "df -h /srv/data"
	show "cat $B/disks/$D/bus $B/disks/$D/notice $B/disks/$D/polled"
	echo "# pvscsi tells the guest nothing; lvos polls READ CAPACITY (1/s)"
} > $R 2>&1
vmtest_log ready
vmtest_wait_host resized 60
vmtest_wait_for 20 fs_over /srv/data $((K * 3 / 2))
vmtest_wait_for 10 helper_done $D 1
{
	echo "# host: QMP block_resize data 256M (no rescan, no command in the guest)"
	show "dmesg | grep lvos_blkgrow: | tail -n 4"
	show "df -h /srv/data"
	show "cat $B/disks/$D/source $B/disks/$D/layers"
} >> $R 2>&1
vmtest_log ready-shrink
vmtest_wait_host shrunk 60
vmtest_wait_for 10 sh -c "grep -q '^read-only' $B/disks/$D/guard"
vmtest_wait_for 10 helper_done $D 2
{
	echo "# host: QMP block_resize data 96M (below the partition)"
	show "cat $B/disks/$D/guard"
	show "blockdev --getro /dev/$D"
	show "dmesg | grep 'lvos_blkgrow: $D: capacity fell' | cut -c1-160"
	show "grep /srv/data /proc/mounts"
} >> $R 2>&1
cat $R
vmtest_send_file report $R
vmtest_check "grown online, then guarded" sh -c "grep -q '^fs grown ext4 /srv/data' $R && grep -q '^read-only' $B/disks/$D/guard"
'''


def host(vm):
    vm.wait_line(r"# ready$", timeout=120)
    vm.qmp_client.block_resize("data", 256 * MiB)
    vm.send("resized")
    vm.wait_line(r"# ready-shrink$", timeout=120)
    vm.qmp_client.block_resize("data", 96 * MiB)
    vm.send("shrunk")
