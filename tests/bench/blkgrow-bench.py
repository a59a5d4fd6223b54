# SPDX-License-Identifier: GPL-2.0-only
# Benchmark (not a test): time from the host's block_resize to the guest
# seeing the new size and to df showing the grown filesystem, per bus
# (virtio-blk, virtio-scsi, pvscsi), stock (no lvos: Debian's kernel and
# nothing listening) vs lvos (lvos_blkgrow + tools/lvos-blkgrow on its
# event), in one guest and one run: the stock rounds first (lvos not
# loaded), then the lvos rounds, one bus at a time; and the idle cost
# (SCSI commands per second per pvscsi disk, from the disk's own
# iorequest_cnt: lvos's READ CAPACITY poll), on filesystems that are not
# being grown. ext4 on GPT on every disk,
# stock and lvos disks apart (lvos's policy names only its own). The host
# takes the times (resize -> guest line). Run with tools/bench/blkgrow.
import os
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vm", "lib"))
import bgcommon  # noqa: E402
from bgcommon import MiB  # noqa: E402

KERNELS = ["6.1", "6.12"]
TIMEOUT = 900
ROUNDS = 3
BUSES = {"v": "virtio-blk", "s": "virtio-scsi", "p": "pvscsi"}
DISKS = [b + m for b in BUSES for m in "sl"]       # vs vl ss sl ps pl
QEMU = dict(machine=bgcommon.MACHINE, memory="512M",
            disks=[dict(name=d, size="128M", bus=BUSES[d[0]]) for d in DISKS])
LVOS = bgcommon.LVOS
BINARIES = bgcommon.BINARIES
FILES = bgcommon.FILES
IDLE_S = 20
WATCH_S = 12

# The timing side, shared with blkgrow-stack-bench.py: disk NAME (a QEMU
# disk name) is mounted at /mnt/NAME, its kernel name is in /tmp/dev.NAME.
#   save NAME...   remember each one's size and df size
#   watch NAME...  print "seen NAME" / "fsgrown NAME" as each changes, for
#                  @WATCH_S@ s at most, then "never-..." for the rest and
#                  "watched"; the host takes the times (time_resize)
WATCH = r'''
dev() { cat /tmp/dev.$1; }
save() { for n in "$@"; do cat /sys/block/$(dev $n)/size > /tmp/sz.$n; fs_kb /mnt/$n > /tmp/fs.$n; done; }
# watch DISKS...: print "seen D" / "fsgrown D" as each happens, "never-..." at the end
watch() {
	end=$(( $(date +%s) + @WATCH_S@ )); ps_="$*"; pf_="$*"
	while [ -n "$ps_$pf_" ] && [ $(date +%s) -lt $end ]; do
		n_=; for d in $ps_; do if [ "$(cat /sys/block/$(dev $d)/size)" != "$(cat /tmp/sz.$d)" ]; then vmtest_log "seen $d"; else n_="$n_ $d"; fi; done; ps_=$n_
		n_=; for d in $pf_; do if [ "$(fs_kb /mnt/$d)" != "$(cat /tmp/fs.$d)" ]; then vmtest_log "fsgrown $d"; else n_="$n_ $d"; fi; done; pf_=$n_
		sleep 0.05
	done
	for d in $ps_; do vmtest_log "never-seen $d"; done
	for d in $pf_; do vmtest_log "never-fsgrown $d"; done
	vmtest_log watched
}
'''

GUEST = (bgcommon.HELPERS + bgcommon.STACK + WATCH + r'''
DISKS="@DISKS@"
mkdir -p /etc/lvos
printf 'mounts = /mnt/vl /mnt/sl /mnt/pl\n' > /etc/lvos/blkgrow.conf
for n in $DISKS; do
	d=$(by_serial $n); echo $d > /tmp/dev.$n
	printf 'label: gpt\nstart=2048, type=L\n' | sfdisk -q /dev/$d
	vmtest_wait_for 5 test -b /dev/$(part $d 1)
	# no lazy init: its background writes would count as idle commands
	mkfs.ext4 -q -E lazy_itable_init=0,lazy_journal_init=0 /dev/$(part $d 1)
	mkdir -p /mnt/$n; mount /dev/$(part $d 1) /mnt/$n
done
iocnt() { printf '%d\n' $(cat /sys/block/$(dev $1)/device/iorequest_cnt); }
idle() {
	sync; sleep 2    # benchmark: let the last writes settle
	a=$(iocnt ps); b=$(iocnt pl)
	sleep @IDLE_S@    # benchmark: an idle period to count commands over
	vmtest_log "idle $1 pvscsi_cmds=$(( ($(iocnt ps) - a) + ($(iocnt pl) - b) )) pvscsi_disks=2 seconds=@IDLE_S@"
}
rmmod lvos_blkgrow
done_=0
for mode in stock lvos; do
	m=s
	if [ $mode = lvos ]; then
		m=l
		insmod /lib/lvos/lvos_blkgrow.ko
		helper_start
		# the stock pvscsi disk's last resize is news to lvos: let it pass
		vmtest_wait_for 20 sh -c "grep -q '^$(dev ps) grow' /tmp/helper-done"
		# idle before the rounds: a grown ext4 zeroes its new inode tables
		# in the background for a while (ext4lazyinit), lvos or not
		idle $mode
	fi
	r=1
	while [ $r -le @ROUNDS@ ]; do
		for b in v s p; do
			save $b$m
			vmtest_log "phase $mode $r $b"
			vmtest_wait_host "^go $mode $r $b" 120
			watch $b$m
			done_=$((done_ + 1))
		done
		r=$((r + 1))
	done
	[ $mode = stock ] && idle $mode
done
vmtest_eq "every phase ran" $done_ $((2 * 3 * @ROUNDS@))
''').replace("@DISKS@", " ".join(DISKS)).replace("@ROUNDS@", str(ROUNDS)) \
    .replace("@IDLE_S@", str(IDLE_S)).replace("@WATCH_S@", str(WATCH_S))


def qemu_cpu_s(vm):
    """CPU seconds QEMU (all its threads) has used so far."""
    with open("/proc/%d/stat" % vm.proc.pid) as f:
        st = f.read().rsplit(")", 1)[1].split()
    return (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")


def time_resize(vm, disk, size, go):
    """block_resize DISK to SIZE bytes and send GO to the guest, which is
    waiting for it to start its watch; -> the ms from the resize to the
    guest's "seen" and "fsgrown" lines (-1 for never) and the share of one
    host CPU QEMU got meanwhile (until the watch ended), in percent: TCG
    is CPU-bound, so this says how busy the host was."""
    c0 = qemu_cpu_s(vm)
    vm.qmp_client.block_resize(disk, size)
    t0 = time.monotonic()
    vm.send(go)
    res = {}
    while True:
        x = vm.wait_line(r"# (seen|fsgrown|never-seen|never-fsgrown|watched) ?(\S*)$",
                         timeout=120)
        if x.group(1) == "watched":
            break
        ms = -1 if x.group(1).startswith("never") else (time.monotonic() - t0) * 1000
        res[x.group(1).replace("never-", "")] = ms
    cpu = 100 * (qemu_cpu_s(vm) - c0) / max(time.monotonic() - t0, 0.001)
    return res.get("seen", -1), res.get("fsgrown", -1), cpu


def host(vm):
    out = open(os.path.join(vm.dir, "bench.txt"), "w")
    out.write("config kernel=%s rounds=%d watch_s=%d\n" % (vm.release, ROUNDS, WATCH_S))
    for mode in ("stock", "lvos"):
        m = "s" if mode == "stock" else "l"
        if mode == "lvos":
            out.write(vm.wait_line(r"# (idle lvos .*)$", timeout=300).group(1) + "\n")
        for r in range(1, ROUNDS + 1):
            for b in BUSES:
                vm.wait_line(r"# phase %s %d %s$" % (mode, r, b), timeout=300)
                seen, fs, cpu = time_resize(vm, b + m, (128 + 64 * r) * MiB,
                                            "go %s %d %s" % (mode, r, b))
                out.write("run %s round=%d bus=%s seen_ms=%.0f fs_ms=%.0f qemu_cpu_pct=%.0f\n"
                          % (mode, r, BUSES[b], seen, fs, cpu))
                out.flush()
        if mode == "stock":
            out.write(vm.wait_line(r"# (idle stock .*)$", timeout=300).group(1) + "\n")
    out.close()
