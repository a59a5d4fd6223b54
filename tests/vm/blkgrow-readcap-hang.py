# SPDX-License-Identifier: GPL-2.0-only
# A SCSI disk whose READ CAPACITY hangs. lvos_blkgrow polls SCSI disks on
# adapters without a resize event (pvscsi, generic SCSI) with READ CAPACITY
# every poll_ms; QEMU's scsi-disk answers that command itself and cannot be
# made to hang, so the hanging disk is the kernel's scsi_debug (every_nth=1,
# opts=4: every command is ignored until the timeout). Each poll of it times
# out (5 s), is counted (poll_errors) and logged; the pvscsi disk next to it
# is still polled and its resize still noticed; the hanging disk stays
# usable afterwards; lvos_blkgrow unloads while a command hangs, and loads
# again. The debug kernel has no scsi_debug (CONFIG_SCSI_DEBUG is not in
# kunit/debug-kernel.config): stock kernels only.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import bgcommon  # noqa: E402
from bgcommon import MiB  # noqa: E402

KERNELS = ["6.1", "6.12"]
TIMEOUT = 150
QEMU = dict(machine=bgcommon.MACHINE, memory="384M",
            disks=[dict(name="p", size="64M", bus="pvscsi")])
MODULES = ["scsi_debug"]
LVOS = bgcommon.LVOS

GUEST = bgcommon.HELPERS + r'''
SD=/sys/bus/pseudo/drivers/scsi_debug
P=$(by_serial p)
for b in /sys/block/sd*; do
	case "$(cat $b/device/model)" in scsi_debug*) D=${b##*/} ;; esac
done
vmtest_match "disks found (pvscsi, scsi_debug)" "$P $D" '^sd[a-z] sd[a-z]$'
vmtest_eq "scsi_debug disk polled" "$(bg $D polled)" 1
vmtest_eq "pvscsi disk polled" "$(bg $P polled)" 1
vmtest_check "polls answered" vmtest_wait_for 10 sh -c "test \$(cat $B/disks/$D/polls) -gt 0"
vmtest_eq "no poll errors yet" "$(bg $D poll_errors) $(bg $P poll_errors)" "0 0"
dd if=/dev/urandom of=/tmp/pat bs=64K count=16 2>/dev/null
dd if=/tmp/pat of=/dev/$D bs=64K conv=fsync 2>/dev/null
want=$(md5sum < /tmp/pat)
# from now on the scsi_debug disk ignores every command
echo 4 > $SD/opts
echo 1 > $SD/every_nth
vmtest_check "hanging READ CAPACITY counted (twice)" vmtest_wait_for 20 sh -c "test \$(cat $B/disks/$D/poll_errors) -ge 2"
vmtest_check "logged" sh -c "dmesg | grep -q 'lvos_blkgrow: $D: READ CAPACITY failed (-5); polling goes on'"
p0=$(bg $P polls)
vmtest_log hanging
vmtest_wait_host resized 60
vmtest_check "the other disk is still polled" vmtest_wait_for 30 sh -c "test \$(cat $B/disks/$P/polls) -gt $p0"
vmtest_check "and its resize noticed meanwhile" vmtest_wait_for 60 size_is $P 196608
# pvscsi raises a capacity unit attention on the next command: lvos's poll
vmtest_match "noticed by the poll" "$(bg $P last_event) $(bg $P source)" '^grow (poll|unit-attention)$'

vmtest_eq "no poll errors there" "$(bg $P poll_errors)" 0
n=$(bg $D poll_errors)
vmtest_check "at most one log line per failure" test "$(dmesg | grep -c "lvos_blkgrow: $D: READ CAPACITY failed")" -le "$n"
vmtest_eq "the hanging disk's size unchanged" "$(bg $D size)" "$(cat /sys/block/$D/size)"
vmtest_log "$D: $(bg $D polls) commands, $n failed; $P: $(bg $P polls) commands"
# unload while a command hangs: waits for it, then goes
vmtest_check "a poll is hanging" vmtest_wait_for 10 sh -c "test \$(cat $B/disks/$D/poll_errors) -gt $n"
t0=$(vmtest_now_cs)
vmtest_check "rmmod while the disk hangs" rmmod lvos_blkgrow
vmtest_log "rmmod took $(( ($(vmtest_now_cs) - t0) * 10 )) ms"
vmtest_check "gone" test ! -e $B
echo 0 > $SD/every_nth
echo 0 > $SD/opts
vmtest_eq "the scsi_debug disk still runs" "$(cat /sys/block/$D/device/state)" running
vmtest_eq "and its data reads back" "$(dd if=/dev/$D bs=64K count=16 2>/dev/null | md5sum)" "$want"
vmtest_check "load again" insmod /lib/lvos/lvos_blkgrow.ko
vmtest_check "polls answered again" vmtest_wait_for 10 sh -c "test \$(cat $B/disks/$D/polls) -gt 0"
vmtest_eq "no errors since" "$(bg $D poll_errors)" 0
'''


def host(vm):
    vm.wait_line(r"# hanging$", timeout=vm.limit(40))
    vm.qmp_client.block_resize("p", 96 * MiB)
    vm.send("resized")
