# SPDX-License-Identifier: GPL-2.0-only
"""Shared pieces of the lvos_blkgrow VM tests."""
import time

LVOS = ["lvos_blkgrow"]
# q35 like the hotplug tests: i440fx's _PRT is slow with the debug kernel.
MACHINE = "q35"
MiB = 1 << 20

# Guest shell helpers.
#   bg DISK FILE         /sys/kernel/lvos/blkgrow/disks/DISK/FILE
#   bg_disk BUS          the disk lvos lists on BUS (virtio_blk, pvscsi, ...)
#   by_serial SERIAL     the disk with that serial (virtio-blk, SCSI VPD 0x80)
#   size_is DISK SECTORS the kernel's capacity of DISK is SECTORS
#   ev_start             record lvos events (busybox uevent) in /tmp/events
#   ev_has DISK ACTION   an event ACTION was seen for DISK
HELPERS = r'''
B=/sys/kernel/lvos/blkgrow
bg() { cat $B/disks/$1/$2; }
bg_disk() {
	for _d in $B/disks/*; do
		[ "$(cat $_d/bus)" = "$1" ] && { basename $_d; return 0; }
	done
	return 1
}
by_serial() {
	for _b in /sys/block/*; do
		[ "$(cat $_b/serial 2>/dev/null)" = "$1" ] && { basename $_b; return 0; }
		[ "$(cat $_b/device/vpd_pg80 2>/dev/null | tr -dc '[:print:]' | sed 's/^ *//')" = "$1" ] && { basename $_b; return 0; }
	done
	return 1
}
size_is() { test "$(cat /sys/block/$1/size)" = "$2"; }
ev_start() {
	cat > /tmp/ev.sh <<'EOS'
#!/bin/sh
[ -n "$LVOS_BLKGROW_ACTION" ] || exit 0
echo "${DEVNAME##*/} $LVOS_BLKGROW_ACTION $LVOS_BLKGROW_OLD $LVOS_BLKGROW_NEW $LVOS_BLKGROW_SOURCE $LVOS_BLKGROW_SEQ" >> /tmp/events
EOS
	chmod +x /tmp/ev.sh
	: > /tmp/events
	uevent /tmp/ev.sh &
}
ev_has() { grep -q "^$1 $2 " /tmp/events; }
bg_state() { for f in $B/disks/$1/*; do echo "$(basename $f)=$(cat $f 2>/dev/null | tr '\n' '|')"; done | tr '\n' ' '; echo; }
'''


def resize_all(vm, names, size):
    """block_resize each disk; the wall-clock time of the last one."""
    for n in names:
        vm.qmp_client.block_resize(n, size)
    return time.monotonic()
