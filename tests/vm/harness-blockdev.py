# SPDX-License-Identifier: GPL-2.0-only
# tools/vmtest self-test for block-device tests:
#  - BINARIES: host tools (util-linux, e2fsprogs, xfsprogs, lvm2, cryptsetup,
#    btrfs-progs, dmsetup) run in the guest with their shared libraries, the
#    lvm/mke2fs symlinks stay symlinks, and no busybox applet shadows them;
#  - discard=True: guest blkdiscard/fstrim punch holes in raw and qcow2
#    images, measured on the host with vm.disk_allocated() at sync points
#    (and a disk without it keeps its blocks);
#  - block_resize by disk name on virtio-scsi (the guest sees it by itself,
#    resize2fs grows the mounted ext4) and pvscsi (after a SCSI rescan), and
#    the harness's explanation when asked to resize an nvme disk (QEMU's
#    nvme-ns cannot be resized).
#
#   tools/vmtest tests/vm/harness-blockdev.py

import json
import os

from vmtest_lib.guest import find_binary
from vmtest_lib.qmp import QMPError

# The harness's disk plumbing does not depend on the kernel flavour; the
# debug kernel's run (75 s) is left out of make check's time.
KERNELS = ["6.1", "6.12"]
TIMEOUT = 120

MiB = 1 << 20
WRITE = 32 * MiB              # what the guest writes and then discards
# Each disk has its own size: the guest finds it by that.
SIZES = dict(raw=48 * MiB, plain=40 * MiB, qc=128 * MiB, nv=56 * MiB, pv=32 * MiB)
QC_GROWN = 192 * MiB
PV_GROWN = 44 * MiB
NV_WANTED = 72 * MiB
DISCARD_TAGS = ("raw", "plain", "qc", "nv")
WAIT = 600                    # host-side waits; the run timeout bounds them anyway

BINARIES = ["sfdisk", "partx", "resize2fs", "e2fsck", "mkfs.ext4", "mkfs.xfs",
            "xfs_growfs", "xfs_repair", "lvm", "pvresize", "cryptsetup", "flock",
            "fstrim", "blkdiscard", "mkfs.btrfs", "btrfs", "blkid", "lsblk", "findmnt",
            "dmsetup"]
MODULES = ["dm_mod"]          # for dmsetup/lvm's driver version; BINARIES add no modules

QEMU = dict(disks=[
    dict(name=name, size="%dM" % (SIZES[name] // MiB), format=fmt, bus=bus, **extra)
    for name, fmt, bus, extra in [
        ("raw", "raw", "virtio-blk", dict(discard=True)),
        ("plain", "raw", "virtio-blk", {}),
        ("qc", "qcow2", "virtio-scsi", dict(discard=True)),
        ("nv", "raw", "nvme", dict(discard=True)),
        ("pv", "qcow2", "pvscsi", {}),
    ]])

GUEST = r'''
# -- BINARIES ---------------------------------------------------------------
for tp in @BINARIES@; do	# name=host path
	t=${tp%%=*}
	p=$(which "$t")
	vmtest_eq "$t on PATH is the host's" "$p" "${tp#*=}"
	vmtest_check "$t is no busybox applet" test "$(readlink -f "$p")" != /bin/busybox
done
vmtest_eq "pvresize is a symlink to lvm" "$(readlink /usr/sbin/pvresize)" lvm
vmtest_eq "mkfs.ext4 is a symlink to mke2fs" "$(readlink /usr/sbin/mkfs.ext4)" mke2fs
vmtest_check "no busybox fstrim left in /sbin" sh -c '! [ -e /sbin/fstrim ]'
# busybox-static runs its own applets by name: the harness's functions win here,
vmtest_match "fstrim in the GUEST script is a function" "$(type fstrim)" 'function'
# and a new shell gets them from /vmtest/binaries.sh
vmtest_match "sh -c sourcing /vmtest/binaries.sh runs util-linux fstrim" \
	"$(sh -c '. /vmtest/binaries.sh; fstrim --version' 2>&1)" 'fstrim from util-linux'

version() {	# REGEX CMD...: CMD exits 0 and prints a line matching REGEX
	_re=$1
	shift
	_out=$("$@" 2>&1)
	_rc=$?
	printf '%s\n' "$_out"
	if [ $_rc != 0 ]; then
		vmtest_fail "$*" "exited $_rc: $(printf '%s' "$_out" | tail -n 2)"
	else
		vmtest_match "$*" "$(printf '%s' "$_out" | grep -E -m 1 -- "$_re")" "$_re"
	fi
}
version 'sfdisk from util-linux' sfdisk --version
version 'partx from util-linux' partx --version
version '^e2fsck 1\.' e2fsck -V
version '^mke2fs 1\.' mkfs.ext4 -V
version '^mkfs\.xfs version' mkfs.xfs -V
version '^xfs_growfs version' xfs_growfs -V
version '^xfs_repair version' xfs_repair -V
version 'LVM version: +2\.' lvm version
version 'Driver version: +4\.' lvm version
version 'LVM version: +2\.' pvresize --version
version '^cryptsetup 2\.' cryptsetup --version
version 'flock from util-linux' flock --version
version 'fstrim from util-linux' fstrim --version
version 'blkdiscard from util-linux' blkdiscard --version
version 'btrfs-progs v' mkfs.btrfs --version
version 'btrfs-progs v' btrfs --version
version 'blkid from util-linux' blkid --version
version 'lsblk from util-linux' lsblk --version
version 'findmnt from util-linux' findmnt --version
version 'Driver version: +4\.' dmsetup version

# -- the disks, found by size -------------------------------------------------
dev_of() {	# SECTORS -> the block device of that size
	for b in /sys/block/*; do
		[ "$(cat "$b/size")" = "$1" ] && { echo "${b##*/}"; return 0; }
	done
	return 1
}
for d in raw:@raw@ plain:@plain@ qc:@qc@ nv:@nv@ pv:@pv@; do
	vmtest_check "disk ${d%%:*} appears (${d#*:} sectors)" vmtest_wait_for 30 dev_of "${d#*:}" ||
		exit 1
	eval "${d%%:*}=\$(dev_of ${d#*:})"
done
vmtest_log "disks: raw=$raw plain=$plain qc=$qc nv=$nv pv=$pv"
for d in $raw $plain $qc $nv $pv; do
	vmtest_match "$d offers discard" "$(cat /sys/block/$d/queue/discard_max_bytes)" '^[1-9]'
done

# -- discard=True: allocation on the host at each sync point --------------------
dd if=/dev/urandom of=/tmp/chunk bs=1M count=1 status=none
write32() {	# PATH: 32 MiB of random data, flushed to the disk
	i=0
	while [ $i -lt 32 ]; do cat /tmp/chunk; i=$((i + 1)); done |
		dd of="$1" bs=1M iflag=fullblock conv=fsync status=none
}
measured() {	# TAG EVENT: the host reads the image's allocation now
	vmtest_log "$1 $2"
	vmtest_wait_host "^measured $1 $2\$" 60 >/dev/null ||
		{ vmtest_fail "host measured $1 $2"; exit 1; }
}
for tag in raw plain nv; do
	eval "dev=\$$tag"
	measured $tag base
	vmtest_check "write 32 MiB to $dev ($tag)" write32 /dev/$dev
	measured $tag written
	vmtest_check "blkdiscard $dev ($tag)" blkdiscard -f /dev/$dev
	measured $tag discarded
done

vmtest_check "mkfs.ext4 on $qc" mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 /dev/$qc
vmtest_check "e2fsck of the new ext4" e2fsck -fn /dev/$qc
vmtest_match "blkid sees ext4" "$(blkid -o value -s TYPE /dev/$qc)" '^ext4$'
mkdir -p /mnt/qc
vmtest_check "mount the ext4" mount -t ext4 /dev/$qc /mnt/qc || exit 1
vmtest_match "findmnt sees it" "$(findmnt -n -o FSTYPE /mnt/qc)" '^ext4$'
sync
measured qc base
vmtest_check "write a 32 MiB file on ext4 ($qc)" write32 /mnt/qc/data
sync
measured qc written
rm /mnt/qc/data
sync
vmtest_check "fstrim the ext4 on $qc" fstrim -v /mnt/qc
measured qc discarded

# -- block_resize by disk name --------------------------------------------------
vmtest_log "resize qc"
line=$(vmtest_wait_host '^resized qc ' 60)
want=${line#resized qc }
vmtest_check "$qc grows to $want sectors (virtio-scsi capacity event)" \
	vmtest_wait_for 30 sh -c "[ \"\$(cat /sys/block/$qc/size)\" = '$want' ]"
vmtest_check "resize2fs grows the mounted ext4" resize2fs /dev/$qc
kib=$(df -k /mnt/qc | awk 'NR == 2 { print $2 }')
vmtest_check "ext4 is now over 160 MiB ($kib KiB)" test "$kib" -gt 163840
vmtest_check "umount" umount /mnt/qc
vmtest_check "e2fsck after the online grow" e2fsck -fn /dev/$qc

vmtest_log "resize pv"
line=$(vmtest_wait_host '^resized pv ' 60)
want=${line#resized pv }
echo 1 >/sys/block/$pv/device/rescan
vmtest_check "$pv is $want sectors after a SCSI rescan (pvscsi)" \
	vmtest_wait_for 30 sh -c "[ \"\$(cat /sys/block/$pv/size)\" = '$want' ]"

vmtest_log "resize nv"
vmtest_check "host: block_resize of the nvme disk refused" vmtest_wait_host '^nvme refused$' 60
vmtest_eq "$nv keeps its size" "$(cat /sys/block/$nv/size)" @nv@

# -- sfdisk, partx, lsblk on the plain disk -------------------------------------
vmtest_check "sfdisk writes a partition table" sh -c "echo ',,L' | sfdisk -q /dev/$plain"
vmtest_check "${plain}1 appears" vmtest_wait_for 10 test -e /sys/block/$plain/${plain}1
vmtest_eq "partx lists one partition" "$(partx -g -o NR /dev/$plain | tr -d ' ')" 1
vmtest_match "lsblk shows it" "$(lsblk -l -n -o NAME,TYPE /dev/$plain | tr -s ' ')" "${plain}1 part"
'''
for _tag, _size in SIZES.items():
    GUEST = GUEST.replace("@%s@" % _tag, str(_size // 512))
GUEST = GUEST.replace("@BINARIES@", " ".join("%s=%s" % (b, find_binary(b)) for b in BINARIES))


def _virtual_size(vm, name):
    for b in vm.qmp("query-block"):
        if b["device"] == name:
            return b["inserted"]["image"]["virtual-size"]
    raise AssertionError("query-block has no drive %s" % name)


def host(vm):
    res = dict(alloc={t: {} for t in DISCARD_TAGS})
    path = os.path.join(vm.dir, "blockdev.json")

    def save():
        with open(path, "w") as f:
            json.dump(res, f, indent=1)

    order = [(t, e) for t in ("raw", "plain", "nv", "qc")
             for e in ("base", "written", "discarded")]
    for tag, event in order:
        vm.wait_line(r"^# %s %s$" % (tag, event), WAIT)
        res["alloc"][tag][event] = vm.disk_allocated(tag)
        save()
        vm.send("measured %s %s" % (tag, event))

    vm.wait_line(r"^# resize qc$", WAIT)
    vm.qmp_client.block_resize("qc", QC_GROWN)
    res["qc_size"] = _virtual_size(vm, "qc")
    vm.send("resized qc %d" % (QC_GROWN // 512))

    vm.wait_line(r"^# resize pv$", WAIT)
    vm.qmp_client.block_resize("pv", PV_GROWN)
    res["pv_size"] = _virtual_size(vm, "pv")
    vm.send("resized pv %d" % (PV_GROWN // 512))

    vm.wait_line(r"^# resize nv$", WAIT)
    try:
        vm.qmp_client.block_resize("nv", NV_WANTED)
        res["nv_error"] = None
    except QMPError as e:
        res["nv_error"] = str(e)
    res["nv_size"] = _virtual_size(vm, "nv")
    save()
    if res["nv_error"] is not None:
        vm.send("nvme refused")


def check(run):
    with open(os.path.join(run.dir, "blockdev.json")) as f:
        res = json.load(f)
    out = []
    m = lambda b: "%.1f MiB" % (b / MiB)
    for tag in DISCARD_TAGS:
        a = res["alloc"][tag]
        how = "fstrim on ext4" if tag == "qc" else "blkdiscard"
        fig = "%s: %s at start, %s after writing 32 MiB, %s after %s" % (
            tag, m(a["base"]), m(a["written"]), m(a["discarded"]), how)
        out.append((a["written"] - a["base"] >= WRITE - MiB, "write allocates (%s)" % fig))
        if tag == "plain":
            out.append((a["written"] - a["discarded"] < MiB,
                        "no discard=True: the image keeps its blocks (%s)" % fig))
        else:
            out.append((a["written"] - a["discarded"] >= WRITE * 3 // 4,
                        "discard=True punches holes (%s)" % fig))
    out.append((res["qc_size"] == QC_GROWN,
                "query-block: qc (virtio-scsi) is %d after block_resize" % res["qc_size"]))
    out.append((res["pv_size"] == PV_GROWN,
                "query-block: pv (pvscsi) is %d after block_resize" % res["pv_size"]))
    err = res["nv_error"] or ""
    out.append(("on the nvme bus, which QEMU cannot resize" in err,
                "block_resize(nv) explains the nvme limit: %s" % (err or "it succeeded")))
    out.append((res["nv_size"] == SIZES["nv"],
                "query-block: nv (nvme) still %d" % res["nv_size"]))
    return out
