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
		# VPD page 0x80: a 4-byte header, then the serial
		[ "$(tail -c +5 $_b/device/vpd_pg80 2>/dev/null)" = "$1" ] && { basename $_b; return 0; }
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


# ---- the whole stack: the helper (tools/lvos-blkgrow) run on each event ----

# What the helper and the stack tests use in the guest. dash runs the
# helper as on a Debian guest (busybox sh would prefer its own applets).
BINARIES = ["dash", "sfdisk", "partx", "blkid", "lsblk", "findmnt", "flock",
            "fstrim", "mkfs.ext4", "resize2fs", "e2fsck", "dumpe2fs",
            "mkfs.xfs", "xfs_growfs", "xfs_repair", "xfs_info", "logger"]
LVM_BINARIES = ["lvm", "pvcreate", "pvresize", "pvs", "vgcreate", "vgchange",
                "lvcreate", "lvextend", "lvs", "dmsetup", "cryptsetup"]
FILES = {"/usr/sbin/lvos-blkgrow": "tools/lvos-blkgrow"}

# Guest helpers on top of HELPERS:
#   helper_start         run the helper on every lvos event, as the udev rule
#                        does (busybox uevent); /tmp/helper.log has its output,
#                        /tmp/helper-done one "<disk> <action> <seq> rc=N" per run
#   helper_done DISK SEQ the helper finished event SEQ of DISK with rc 0
#   part DISK N          the name of partition N (vda1, nvme0n1p1)
#   fs_kb MNT            the size df reports for MNT, KiB
#   fs_over MNT KB       it is more than KB
#   mkdata DIR / ckdata DIR   write / verify 8 MiB of checksummed data
STACK = r'''
helper_start() {
	mkdir -p /etc/lvos /run/lock
	cat > /tmp/ev.sh <<'EOS'
#!/bin/sh
[ -n "$LVOS_BLKGROW_ACTION" ] || exit 0
d=${DEVNAME##*/}
echo "$d $LVOS_BLKGROW_ACTION $LVOS_BLKGROW_OLD $LVOS_BLKGROW_NEW $LVOS_BLKGROW_SOURCE $LVOS_BLKGROW_SEQ" >> /tmp/events
dash /usr/sbin/lvos-blkgrow event >> /tmp/helper.log 2>&1
echo "$d $LVOS_BLKGROW_ACTION $LVOS_BLKGROW_SEQ rc=$?" >> /tmp/helper-done
EOS
	chmod +x /tmp/ev.sh
	: > /tmp/events; : > /tmp/helper-done; : > /tmp/helper.log
	uevent /tmp/ev.sh &
}
helper_done() { grep -q "^$1 [a-z]* $2 rc=0$" /tmp/helper-done; }
part() { case $1 in *[0-9]) echo ${1}p$2;; *) echo $1$2;; esac; }
fs_kb() { df -Pk "$1" | awk 'NR==2 {print $2}'; }  # -P: one line per fs, however long its name
fs_over() { test "$(fs_kb $1)" -gt "$2"; }
mkdata() { dd if=/dev/urandom of=$1/data bs=1M count=8 2>/dev/null && md5sum $1/data | cut -d' ' -f1 > /tmp/sum.$(echo $1 | tr / _) && sync; }
ckdata() { test "$(md5sum $1/data | cut -d' ' -f1)" = "$(cat /tmp/sum.$(echo $1 | tr / _))"; }
'''


def stack_guest(pairs):
    """A guest script for disks given as (serial, table, fs, mountpoint):
    partition (gpt|dos|none), make the filesystem, mount it, write data;
    after the host's resize, wait for the size and the grown filesystem,
    then check data, audit trail and fsck. The host side is stack_host()."""
    g = [HELPERS, STACK, "helper_start\n",
         "printf 'mounts = %s\\n' > /etc/lvos/blkgrow.conf\n"
         % " ".join(p[3] for p in pairs)]
    for serial, table, fs, mnt in pairs:
        v = serial.upper()
        g.append(r'''
D{v}=$(by_serial {serial})
if [ {table} = none ]; then P{v}=$D{v}; else
	printf 'label: {table}\nstart=2048, type=L\n' | sfdisk -q /dev/$D{v}
	P{v}=$(part $D{v} 1)
	vmtest_wait_for 5 test -b /dev/$P{v}
fi
mkdir -p {mnt}
if [ {fs} = xfs ]; then mkfs.xfs -q /dev/$P{v}; else mkfs.ext4 -q /dev/$P{v}; fi
vmtest_check "{serial}: {fs} on {table} mounted" mount /dev/$P{v} {mnt}
mkdata {mnt}
K{v}=$(fs_kb {mnt})
S{v}=$(cat /sys/block/$D{v}/size)
'''.format(v=v, serial=serial, table=table, fs=fs, mnt=mnt))
    g.append("vmtest_log ready\nvmtest_wait_host resized 60\n")
    for serial, table, fs, mnt in pairs:
        g.append(r'''
vmtest_wait_for 10 sh -c "test \$(cat /sys/block/$D{v}/size) -gt $S{v}" && vmtest_log "seen {serial}"
'''.format(v=serial.upper(), serial=serial))
    for serial, table, fs, mnt in pairs:
        g.append(r'''
vmtest_wait_for 20 fs_over {mnt} $((K{v} * 3 / 2)) && vmtest_log "fsgrown {serial}"
'''.format(v=serial.upper(), serial=serial, mnt=mnt))
    for serial, table, fs, mnt in pairs:
        v = serial.upper()
        g.append(r'''
vmtest_check "{serial}: size seen" test "$(bg $D{v} last_event)" = grow
vmtest_check "{serial}: {fs} grown" fs_over {mnt} $((K{v} * 3 / 2))
vmtest_check "{serial}: helper done" vmtest_wait_for 10 helper_done $D{v} 1
vmtest_check "{serial}: data intact" ckdata {mnt}
'''.format(v=v, serial=serial, fs=fs, mnt=mnt))
        if table != "none":
            g.append(r'''
vmtest_match "{serial}: partition layer" "$(bg $D{v} layers)" "^partition grown $P{v} "
e=$(( $(cat /sys/class/block/$P{v}/start) + $(cat /sys/class/block/$P{v}/size) ))
vmtest_eq "{serial}: partition end aligned to 1 MiB" $((e % 2048)) 0
vmtest_check "{serial}: partition fills the disk" test $(( $(cat /sys/block/$D{v}/size) - e )) -lt 4096
'''.format(v=v, serial=serial))
        g.append(r'''
vmtest_match "{serial}: fs layer" "$(bg $D{v} layers)" "fs grown {fs} "
'''.format(v=v, serial=serial, fs=fs))
    g.append("vmtest_log \"$(cat /tmp/helper.log | tr '\\n' '|')\"\n")
    for serial, table, fs, mnt in pairs:
        v = serial.upper()
        g.append(r'''
umount {mnt}
if [ {fs} = xfs ]; then
	vmtest_check "{serial}: xfs_repair -n clean" xfs_repair -n /dev/$P{v}
else
	vmtest_check "{serial}: e2fsck -fn clean" e2fsck -fn /dev/$P{v}
fi
'''.format(v=v, serial=serial, fs=fs, mnt=mnt))
    return "".join(g)


def stack_host(vm, sizes, seen_within=2.0, grown_within=5.0):
    """Resize each disk (name -> bytes) once the guest is ready; the guest's
    "seen"/"fsgrown" lines must come, by the harness's one scaling rule
    (vm.limit), within seen_within / grown_within nominal seconds of the
    resize: a deadline for "it happens by itself", not the speed target
    (tools/bench/blkgrow-bench measures that beside the stock guest)."""
    seen_within, grown_within = vm.limit(seen_within), vm.limit(grown_within)
    vm.wait_line(r"# ready$", timeout=240)
    for n, size in sizes.items():
        vm.qmp_client.block_resize(n, size)
    t0 = time.monotonic()
    vm.send("resized")
    for kind, limit in (("seen", seen_within), ("fsgrown", grown_within)):
        for _ in sizes:
            m = vm.wait_line(r"# %s (\S+)$" % kind, timeout=limit + 60)
            dt = time.monotonic() - t0
            print("# %s %s after %.2f s" % (m.group(1), kind, dt))
            if dt > limit:
                raise AssertionError("%s: %s after %.2f s (limit %.0f s)"
                                     % (m.group(1), kind, dt, limit))


def stack_test(bus, kernels):
    """The settings of a tests/vm/blkgrow-stack-<bus>.py test: ext4 on a GPT
    partition (128 -> 256 MiB) and xfs on an MBR partition (320 -> 512 MiB;
    mkfs.xfs wants 300 MB), both on BUS, mounted and in the policy."""
    disks = [dict(name="a", size="128M", bus=bus), dict(name="b", size="320M", bus=bus)]

    def host(vm):
        stack_host(vm, {"a": 256 * MiB, "b": 512 * MiB})

    return dict(KERNELS=kernels, TIMEOUT=180, MODULES=["xfs"], LVOS=LVOS,
                BINARIES=BINARIES, FILES=FILES, host=host,
                QEMU=dict(machine=MACHINE, memory="512M", disks=disks),
                GUEST=stack_guest([("a", "gpt", "ext4", "/mnt/a"),
                                   ("b", "dos", "xfs", "/mnt/b")]))
