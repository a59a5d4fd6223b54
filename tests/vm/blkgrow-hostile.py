# SPDX-License-Identifier: GPL-2.0-only
# A hostile host shrinks a disk under a live stack: xfs on LVM on LUKS2 on
# GPT, mounted and in the policy, the helper (tools/lvos-blkgrow) run on
# every lvos event in the background, one run per event, as the systemd
# services of the udev rule run them (busybox's uevent alone would run
# them one after the other).
#  1. Shrunk below the data (400 -> 320 MiB; a host shrink discards what
#     lies past the new end, so no data lives there): lvos makes the disk
#     read-only and logs it, the helper remounts xfs read-only, no layer
#     changes; after the host restores the size and the admin clears the
#     guard, every layer is as it was, the clear's grow event rewrites the
#     GPT backup the shrink zeroed, vgck and xfs_repair -n are clean and
#     the data's md5 is intact.
#  2. Shrunk while the helper grows the stack (400 -> 560 MiB; the helper
#     is held inside pvresize until the guard has been handled, then goes
#     on): the helper stops before the next layer instead of extending the
#     LV onto space the disk no longer has, says so, and the disk ends
#     guarded with xfs read-only and the data intact; once the size is back
#     and the guard cleared, the clear's grow event finishes the stack.
# The debug kernel has no XTS cipher: stock kernels only.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import bgcommon  # noqa: E402
from bgcommon import MiB  # noqa: E402

KERNELS = ["6.1", "6.12"]
TIMEOUT = 300
QEMU = dict(machine=bgcommon.MACHINE, memory="512M",
            disks=[dict(name="s", size="400M", bus="virtio-blk")])
MODULES = ["dm_mod", "dm_crypt", "ecb", "xts", "algif_skcipher", "xfs"]
LVOS = bgcommon.LVOS
BINARIES = bgcommon.BINARIES + bgcommon.LVM_BINARIES
FILES = bgcommon.FILES

GUEST = bgcommon.HELPERS + bgcommon.STACK + r'''
export DM_DISABLE_UDEV=1 LVM_SUPPRESS_FD_WARNINGS=1
mkdir -p /etc/lvos /run/lock /tmp/fake
S=$(by_serial s)
head -c 64 /dev/urandom > /etc/lvos/luks.key
printf 'mounts = /mnt/s\nluks_keyfile = /etc/lvos/luks.key\n' > /etc/lvos/blkgrow.conf
printf 'label: gpt\nstart=2048, type=L\n' | sfdisk -q /dev/$S
P=$(part $S 1)
vmtest_wait_for 5 test -b /dev/$P
cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file /etc/lvos/luks.key /dev/$P &&
cryptsetup open --key-file /etc/lvos/luks.key /dev/$P crypt0 &&
lvm pvcreate -q /dev/mapper/crypt0 && lvm vgcreate -q vg0 /dev/mapper/crypt0 &&
lvm lvcreate -q -y -l 100%FREE -n data vg0 && mkfs.xfs -q /dev/mapper/vg0-data &&
mkdir -p /mnt/s && mount /dev/mapper/vg0-data /mnt/s
vmtest_check "xfs on LVM on LUKS2 on GPT mounted" grep -q '^/dev/mapper/vg0-data /mnt/s xfs rw' /proc/mounts
mkdata /mnt/s
want=$(cat /tmp/sum._mnt_s)

# the event handler: one helper run per event, in the background
cat > /tmp/ev.sh <<'EOS'
#!/bin/sh
[ -n "$LVOS_BLKGROW_ACTION" ] || exit 0
d=${DEVNAME##*/}
echo "$d $LVOS_BLKGROW_ACTION $LVOS_BLKGROW_OLD $LVOS_BLKGROW_NEW $LVOS_BLKGROW_SOURCE $LVOS_BLKGROW_SEQ" >> /tmp/events
(
	PATH=/tmp/fake:$PATH dash /usr/sbin/lvos-blkgrow event >> /tmp/helper.log 2>&1
	echo "$d $LVOS_BLKGROW_ACTION $LVOS_BLKGROW_SEQ rc=$?" >> /tmp/helper-done
) &
EOS
# the helper's lvm: "pvresize" waits, once (when /tmp/slow exists), until
# a guard event's run has finished since
cat > /tmp/fake/lvm <<EOF
#!/bin/sh
case " \$* " in
*" pvresize "*)
	if [ -e /tmp/slow ]; then
		rm -f /tmp/slow
		n=\$(grep -c '^$S guard ' /tmp/helper-done)
		touch /tmp/mid-grow
		i=0
		while [ \$(grep -c '^$S guard ' /tmp/helper-done) -le \$n ] && [ \$i -lt 1200 ]; do
			sleep 0.1
			i=\$((i + 1))
		done
	fi
	;;
esac
exec $(command -v lvm) "\$@"
EOF
chmod +x /tmp/ev.sh /tmp/fake/lvm
: > /tmp/events; : > /tmp/helper-done; : > /tmp/helper.log
uevent /tmp/ev.sh &

is_guarded() { bg $S guard | grep -q '^read-only'; }
ro_mounted() { grep -q '^/dev/mapper/vg0-data /mnt/s xfs ro[ ,]' /proc/mounts; }
# every layer's size, outside in: partition, LUKS, PV, LV, xfs
layers() {
	echo "$(cat /sys/class/block/$P/size) $(blockdev --getsz /dev/mapper/crypt0)" \
		"$(lvm pvs --noheadings --nosuffix --units s -o pv_size /dev/mapper/crypt0 | tr -d ' ')" \
		"$(blockdev --getsz /dev/mapper/vg0-data) $(fs_kb /mnt/s)"
}
seq_now() { cat $B/disks/$S/seq; }
last_seq() { grep "^$S $1 " /tmp/events | tail -n 1 | cut -d' ' -f6; }
# ev_ran ACTION SEQ: the helper finished an ACTION event after event SEQ;
# ev_ok: with exit 0
ev_ran() { _s=$(last_seq $1); [ -n "$_s" ] && [ "$_s" -gt "$2" ] && grep -q "^$S $1 $_s rc=" /tmp/helper-done; }
ev_ok() { _s=$(last_seq $1); [ -n "$_s" ] && [ "$_s" -gt "$2" ] && helper_done $S $_s; }
# sfdisk -V exits 0 with a corrupt backup GPT: it only says so. The disk
# stays open (dm-crypt holds its partition), so its page cache would answer
# from before the shrink: flush it to read what the host has.
gpt_ok() {
	blockdev --flushbufs /dev/$S
	_o=$(sfdisk -V /dev/$S 2>&1) && ! echo "$_o" | grep -qi corrupt
}
undamaged() {
	vmtest_check "$1: LUKS header intact" cryptsetup isLuks /dev/$P
	vmtest_check "$1: LVM metadata consistent (vgck)" lvm vgck vg0
	vmtest_check "$1: GPT and its backup verify" gpt_ok
	umount /mnt/s
	vmtest_check "$1: xfs_repair -n clean" xfs_repair -n /dev/mapper/vg0-data
	mount /dev/mapper/vg0-data /mnt/s
	vmtest_check "$1: data md5 intact (read from disk)" ckdata /mnt/s
}
L0=$(layers)
vmtest_log "layers: $L0"

# ---- 1. shrunk below the data ----
q=$(seq_now)
vmtest_log ready
vmtest_wait_host shrunk 60
vmtest_check "guard on" vmtest_wait_for 10 is_guarded
g=$(bg $S guard)
vmtest_match "guard state" "$g" '^read-only: capacity 655360 below data end [0-9]+ \(was 819200\)$'
end=$(echo "$g" | cut -d' ' -f7)
vmtest_check "data end is the partition's end" test "$end" -eq $(( $(cat /sys/class/block/$P/start) + $(cat /sys/class/block/$P/size) ))
vmtest_eq "disk read-only" "$(blockdev --getro /dev/$S)" 1
vmtest_check "logged" sh -c "dmesg | grep -q 'lvos_blkgrow: $S: capacity fell from 400 to 320 MiB, below the end of the data at [0-9]* MiB: disk made read-only'"
vmtest_check "helper: guard handled" vmtest_wait_for 30 ev_ok guard $q
vmtest_check "xfs remounted read-only" ro_mounted
vmtest_match "guard in the audit trail" "$(bg $S layers)" "^guard done $S ro=/mnt/s"
vmtest_eq "no layer changed" "$(layers)" "$L0"
vmtest_check "no writes" sh -c "! touch /mnt/s/x"
vmtest_log guarded
vmtest_wait_host restored 60
vmtest_check "size back" vmtest_wait_for 10 size_is $S 819200
q=$(seq_now)
vmtest_check "guard cleared" sh -c "echo clear > $B/disks/$S/guard"
vmtest_check "helper: the clear's grow event" vmtest_wait_for 60 ev_ran grow $q
vmtest_check "helper: nothing failed" ev_ok grow $q
vmtest_eq "every layer as it was" "$(layers)" "$L0"
vmtest_check "remount read-write" mount -o remount,rw /mnt/s
undamaged "after the shrink"

# ---- 2. shrunk while the helper grows the stack ----
touch /tmp/slow
q=$(seq_now)
vmtest_log ready-grow
vmtest_wait_host grown 60
vmtest_check "helper mid-grow" vmtest_wait_for 60 test -e /tmp/mid-grow
gs=$(last_seq grow)
vmtest_check "mid-grow: it is the host's grow" test "$gs" -gt $q
q=$(seq_now)
vmtest_log mid-grow
vmtest_wait_host shrunk-mid 60
vmtest_check "mid-grow: guard on" vmtest_wait_for 10 is_guarded
vmtest_check "mid-grow: guard handled while the grow runs" vmtest_wait_for 30 ev_ok guard $q
vmtest_check "mid-grow: the grow run ends" vmtest_wait_for 90 grep -q "^$S grow $gs rc=" /tmp/helper-done
vmtest_log "$(grep -v '^lvos-blkgrow:   |' /tmp/helper.log | tail -n 12 | tr '\n' '|')"
vmtest_check "mid-grow: the helper stops at the guard, and says so" sh -c "grep -q 'lvos-blkgrow: GUARD: $S: .*stopping' /tmp/helper.log"
vmtest_match "mid-grow: reported" "$(bg $S layers)" "^lvm skipped guard "
set -- $L0
vmtest_eq "mid-grow: LV not extended onto space the disk lost" "$(blockdev --getsz /dev/mapper/vg0-data)" "$4"
vmtest_eq "mid-grow: xfs not grown" "$(fs_kb /mnt/s)" "$5"
vmtest_check "mid-grow: still guarded" is_guarded
vmtest_check "mid-grow: xfs read-only" ro_mounted
vmtest_check "mid-grow: data intact" ckdata /mnt/s
vmtest_log guarded-mid
vmtest_wait_host restored-mid 60
vmtest_check "mid-grow: size back" vmtest_wait_for 10 size_is $S 1146880
vmtest_check "mid-grow: remount read-write" mount -o remount,rw /mnt/s
q=$(seq_now)
vmtest_check "mid-grow: guard cleared" sh -c "echo clear > $B/disks/$S/guard"
vmtest_check "mid-grow: the clear's grow event finishes the stack" vmtest_wait_for 90 ev_ok grow $q
vmtest_check "mid-grow: xfs grown" fs_over /mnt/s $(( $5 * 4 / 3 ))
vmtest_match "mid-grow: fs layer" "$(bg $S layers)" "fs grown xfs /mnt/s "
undamaged "after the mid-grow shrink"
vmtest_log "$(bg $S layers | tr '\n' '|')"
umount /mnt/s
lvm vgchange -q -an vg0 >/dev/null 2>&1; cryptsetup close crypt0
'''


def host(vm):
    q = vm.qmp_client
    steps = [("ready", 320, "shrunk"), ("guarded", 400, "restored"),
             ("ready-grow", 560, "grown"), ("mid-grow", 320, "shrunk-mid"),
             ("guarded-mid", 560, "restored-mid")]
    for line, mib, reply in steps:
        vm.wait_line(r"# %s$" % line, timeout=240)
        q.block_resize("s", mib * MiB)
        vm.send(reply)
