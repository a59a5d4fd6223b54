# SPDX-License-Identifier: GPL-2.0-only
# Benchmark (not a test): the blkgrow rounds of blkgrow-bench.py on the
# stacks users meet, timed the same way (host block_resize -> the guest
# sees the new size -> df shows the grown filesystem):
#   luks-lvm: ext4 on LVM on LUKS2 on a GPT partition on virtio-blk, built
#             as tests/vm/blkgrow-luks-lvm.py builds it (same tools, LUKS2
#             with a key file that the policy names as luks_keyfile);
#             the target: df shows it within 5 s of the resize;
#   xfs-lvm:  xfs on LVM, the PV on the whole disk (no partition table),
#             on virtio-scsi.
# Stock (lvos not loaded: nothing grows the layers) and lvos (lvos_blkgrow
# + tools/lvos-blkgrow on its event) in one guest and one run: the stock
# rounds first, then the lvos rounds, one stack at a time; stock and lvos
# disks apart (lvos's policy names only its own mounts). The host grows
# the disk by 64 MiB per round; after each lvos round the guest waits for
# the helper's run to end. Each "run" line also gives QEMU's CPU use while
# timed (how busy the host was). Run with tools/bench/blkgrow.
import importlib.machinery
import importlib.util
import os
import sys
here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "vm", "lib"))
import bgcommon  # noqa: E402
from bgcommon import MiB  # noqa: E402


def _load_bench():
    # the per-bus benchmark's watch (guest) and time_resize (host): one
    # way of timing for both tables
    p = os.path.join(here, "blkgrow-bench.py")
    loader = importlib.machinery.SourceFileLoader("lvos_blkgrow_bench", p)
    mod = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(mod)
    return mod


_bench = _load_bench()

KERNELS = ["6.1", "6.12"]
TIMEOUT = 1200
ROUNDS = 3
# stack -> (disk bus, first disk size MiB, what it is)
STACKS = {"v": ("virtio-blk", 160, "luks-lvm"),
          "s": ("virtio-scsi", 320, "xfs-lvm")}     # mkfs.xfs wants 300 MB
DISKS = [k + m for k in STACKS for m in "sl"]          # vs vl ss sl
# longer than blkgrow-bench's 12 s: LUKS + LVM run more tools, and a late
# grow should show up as a time, not as "never"
WATCH_S = 30
QEMU = dict(machine=bgcommon.MACHINE, memory="512M",
            disks=[dict(name=d, size="%dM" % STACKS[d[0]][1], bus=STACKS[d[0]][0])
                   for d in DISKS])
MODULES = ["dm_mod", "dm_crypt", "ecb", "xts", "algif_skcipher", "xfs"]
LVOS = bgcommon.LVOS
BINARIES = bgcommon.BINARIES + bgcommon.LVM_BINARIES
FILES = bgcommon.FILES


def label(k):
    bus, _, what = STACKS[k]
    return "%s/%s" % (what, bus)


GUEST = (bgcommon.HELPERS + bgcommon.STACK + _bench.WATCH + r'''
export DM_DISABLE_UDEV=1 LVM_SUPPRESS_FD_WARNINGS=1
# busybox df puts a device name longer than 20 characters
# (/dev/mapper/vgvl-data) on a line of its own unless -P: bgcommon's fs_kb
# would read an empty size and never see a change
fs_kb() { df -Pk "$1" | awk 'NR==2 {print $2}'; }
mkdir -p /etc/lvos
head -c 64 /dev/urandom > /etc/lvos/luks.key
printf 'mounts = /mnt/vl /mnt/sl\nluks_keyfile = /etc/lvos/luks.key\n' > /etc/lvos/blkgrow.conf
# luks_lvm NAME: ext4 on LVM on LUKS2 on GPT (tests/vm/blkgrow-luks-lvm.py)
luks_lvm() {
	d=$(by_serial $1); echo $d > /tmp/dev.$1
	printf 'label: gpt\nstart=2048, type=L\n' | sfdisk -q /dev/$d
	p=$(part $d 1)
	vmtest_wait_for 5 test -b /dev/$p
	vmtest_check "$1: luksFormat" cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file /etc/lvos/luks.key /dev/$p
	vmtest_check "$1: luksOpen" cryptsetup open --key-file /etc/lvos/luks.key /dev/$p crypt$1
	vmtest_check "$1: pvcreate" lvm pvcreate -q /dev/mapper/crypt$1
	vmtest_check "$1: vgcreate" lvm vgcreate -q vg$1 /dev/mapper/crypt$1
	vmtest_check "$1: lvcreate" lvm lvcreate -q -y -l 100%FREE -n data vg$1
	vmtest_check "$1: mkfs.ext4" mkfs.ext4 -q /dev/mapper/vg$1-data
	mkdir -p /mnt/$1
	vmtest_check "$1: mounted" mount /dev/mapper/vg$1-data /mnt/$1
	vmtest_match "$1: df size read" "$(fs_kb /mnt/$1)" '^[0-9]+$'
}
# xfs_lvm NAME: xfs on LVM, the PV on the whole disk
xfs_lvm() {
	d=$(by_serial $1); echo $d > /tmp/dev.$1
	vmtest_check "$1: pvcreate" lvm pvcreate -q /dev/$d
	vmtest_check "$1: vgcreate" lvm vgcreate -q vg$1 /dev/$d
	vmtest_check "$1: lvcreate" lvm lvcreate -q -y -l 100%FREE -n data vg$1
	vmtest_check "$1: mkfs.xfs" mkfs.xfs -q /dev/mapper/vg$1-data
	mkdir -p /mnt/$1
	vmtest_check "$1: mounted" mount /dev/mapper/vg$1-data /mnt/$1
	vmtest_match "$1: df size read" "$(fs_kb /mnt/$1)" '^[0-9]+$'
}
for m in s l; do luks_lvm v$m; xfs_lvm s$m; done
rmmod lvos_blkgrow
done_=0
for mode in stock lvos; do
	m=s
	if [ $mode = lvos ]; then
		m=l
		insmod /lib/lvos/lvos_blkgrow.ko
		helper_start
	fi
	r=1
	while [ $r -le @ROUNDS@ ]; do
		for k in v s; do
			save $k$m
			vmtest_log "phase $mode $r $k"
			vmtest_wait_host "^go $mode $r $k" 120
			watch $k$m
			# the helper's tail (lvm metadata, logger) must not slow the
			# next round: wait for its r-th run on this disk to end
			[ $mode = lvos ] && vmtest_wait_for 60 sh -c "test \$(grep -c '^$(dev $k$m) ' /tmp/helper-done) -ge $r"
			done_=$((done_ + 1))
		done
		r=$((r + 1))
	done
done
vmtest_eq "every phase ran" $done_ $((2 * 2 * @ROUNDS@))
# the last lvos round grew every layer
l=$(bg $(dev vl) layers)
vmtest_match "vl: partition layer grown" "$l" '^partition grown '
vmtest_match "vl: luks layer grown" "$l" '^luks grown cryptvl'
vmtest_match "vl: lvm layer grown" "$l" '^lvm grown'
vmtest_match "vl: fs layer grown" "$l" '^fs grown ext4 /mnt/vl '
l=$(bg $(dev sl) layers)
vmtest_match "sl: lvm layer grown" "$l" '^lvm grown'
vmtest_match "sl: fs layer grown" "$l" '^fs grown xfs /mnt/sl '
vmtest_log "$(cat /tmp/helper.log | tr '\n' '|')"
for n in vs vl ss sl; do umount /mnt/$n; done
lvm vgchange -q -an vgvs vgvl vgss vgsl >/dev/null 2>&1
cryptsetup close cryptvs; cryptsetup close cryptvl
''').replace("@ROUNDS@", str(ROUNDS)).replace("@WATCH_S@", str(WATCH_S))


def host(vm):
    out = open(os.path.join(vm.dir, "bench.txt"), "w")
    out.write("config kernel=%s rounds=%d watch_s=%d\n" % (vm.release, ROUNDS, WATCH_S))
    for mode in ("stock", "lvos"):
        m = "s" if mode == "stock" else "l"
        for r in range(1, ROUNDS + 1):
            for k in STACKS:
                vm.wait_line(r"# phase %s %d %s$" % (mode, r, k), timeout=600)
                seen, fs, cpu = _bench.time_resize(vm, k + m, (STACKS[k][1] + 64 * r) * MiB,
                                                   "go %s %d %s" % (mode, r, k))
                out.write("run %s round=%d bus=%s seen_ms=%.0f fs_ms=%.0f qemu_cpu_pct=%.0f\n"
                          % (mode, r, label(k), seen, fs, cpu))
                out.flush()
    out.close()
