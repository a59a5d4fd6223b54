# SPDX-License-Identifier: GPL-2.0-only
# Benchmark (not a test): time from the host's block_resize to the guest
# seeing the new size and to df showing the grown filesystem, per bus
# (virtio-blk, virtio-scsi, pvscsi), stock (no lvos: Debian's kernel and
# nothing listening) vs lvos (lvos_blkgrow + tools/lvos-blkgrow on its
# event), alternating in one guest and one run; then the idle cost of
# lvos's READ CAPACITY poll (SCSI commands per second per disk, from the
# disk's own iorequest_cnt). ext4 on GPT on every disk. The host takes the
# times (resize -> guest line). Run with tools/bench/blkgrow.
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

GUEST = bgcommon.HELPERS + bgcommon.STACK + r'''
DISKS="@DISKS@"
mkdir -p /etc/lvos
printf 'mounts =' > /etc/lvos/blkgrow.conf
for n in $DISKS; do
	d=$(by_serial $n); echo $d > /tmp/dev.$n
	printf 'label: gpt\nstart=2048, type=L\n' | sfdisk -q /dev/$d
	vmtest_wait_for 5 test -b /dev/$(part $d 1)
	mkfs.ext4 -q /dev/$(part $d 1); mkdir -p /mnt/$n; mount /dev/$(part $d 1) /mnt/$n
	printf ' /mnt/%s' $n >> /etc/lvos/blkgrow.conf
done
echo >> /etc/lvos/blkgrow.conf
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
lvos_off() { rmmod lvos_blkgrow 2>/dev/null; [ -n "$ul" ] && kill $ul 2>/dev/null; ul=; }
lvos_on() { insmod /lib/lvos/lvos_blkgrow.ko; vmtest_wait_for 5 test -d $B/disks/$(dev pl); helper_start; ul=$!; }
ul=
lvos_off
r=1
while [ $r -le @ROUNDS@ ]; do
	for mode in stock lvos; do
		m=s; [ $mode = lvos ] && m=l
		if [ $mode = lvos ]; then lvos_on; else lvos_off; fi
		set -- v$m s$m p$m; save "$@"
		vmtest_log "phase $mode $r"
		vmtest_wait_host "^go $mode $r" 120
		watch "$@"
	done
	r=$((r + 1))
done
iocnt() { printf '%d\n' $(cat /sys/block/$(dev $1)/device/iorequest_cnt); }
for mode in stock lvos; do
	if [ $mode = lvos ]; then lvos_on; sleep 2; else lvos_off; fi
	a=$(iocnt ps); b=$(iocnt pl); c=$(iocnt ss)
	sleep @IDLE_S@    # benchmark: an idle period to count commands over
	vmtest_log "idle $mode pvscsi_cmds=$(( ($(iocnt ps) - a) + ($(iocnt pl) - b) )) virtio_scsi_cmds=$(( $(iocnt ss) - c )) pvscsi_disks=2 seconds=@IDLE_S@"
done
lvos_off
'''.replace("@DISKS@", " ".join(DISKS)).replace("@ROUNDS@", str(ROUNDS)) \
   .replace("@IDLE_S@", str(IDLE_S)).replace("@WATCH_S@", str(WATCH_S))


def host(vm):
    out = open(os.path.join(vm.dir, "bench.txt"), "w")
    out.write("config kernel=%s rounds=%d watch_s=%d\n" % (vm.release, ROUNDS, WATCH_S))
    for r in range(1, ROUNDS + 1):
        for mode in ("stock", "lvos"):
            m = "s" if mode == "stock" else "l"
            vm.wait_line(r"# phase %s %d$" % (mode, r), timeout=300)
            for b in BUSES:
                vm.qmp_client.block_resize(b + m, (128 + 64 * r) * MiB)
            t0 = time.monotonic()
            vm.send("go %s %d" % (mode, r))
            res = {b + m: {} for b in BUSES}
            while True:
                x = vm.wait_line(r"# (seen|fsgrown|never-seen|never-fsgrown|watched) ?(\S*)$",
                                 timeout=120)
                if x.group(1) == "watched":
                    break
                ms = -1 if x.group(1).startswith("never") else (time.monotonic() - t0) * 1000
                res[x.group(2)][x.group(1).replace("never-", "")] = ms
            for d, v in sorted(res.items()):
                out.write("run %s round=%d bus=%s seen_ms=%.0f fs_ms=%.0f\n"
                          % (mode, r, BUSES[d[0]], v.get("seen", -1), v.get("fsgrown", -1)))
            out.flush()
    for mode in ("stock", "lvos"):
        x = vm.wait_line(r"# (idle %s .*)$" % mode, timeout=300)
        out.write(x.group(1) + "\n")
    out.close()
