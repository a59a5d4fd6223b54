# SPDX-License-Identifier: GPL-2.0-only
# Fuzzing lvos_blkgrow (tools/lvos-sysfs-fuzz): every writable file of
# /sys/kernel/lvos/blkgrow and of each watched disk (report, guard) gets
# 10^4 generated inputs one at a time plus 2 x 4 x 250 from concurrent
# writers, while the host resizes a virtio-blk and a pvscsi disk (polled)
# through QMP and a third disk, mounted, is held by the shrink guard (so
# "clear" meets -EBUSY and "force" clears it). Each write is judged
# against docs/ABI/sysfs-kernel-lvos-blkgrow (report through layers, a
# disk's files excused while its seq moves); the log must stay
# ratelimited; every setting is put back. Then every module parameter gets
# 200 generated values (25 on the debug kernel: fzcommon) through
# finit_module: refused with an errno and a log line, or loaded with the
# value in effect and unloaded.
#
# rcu_expedited: every module load and unload waits for RCU grace
# periods; expedited, a load costs a quarter of the time under TCG.
# log_buf_len: the fuzzer reads the kernel log after each file (it counts
# the lines and looks for warnings); accepted writes log thousands of lines
# that must not wrap the ring before it does.
import os
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import bgcommon  # noqa: E402
import fzcommon  # noqa: E402
from bgcommon import MiB  # noqa: E402

KERNELS = ["debug", "6.1", "6.12"]
TIMEOUT = 300
APPEND = "rcupdate.rcu_expedited=1 log_buf_len=8M"
QEMU = dict(machine=bgcommon.MACHINE, memory="384M",
            disks=[dict(name="g", size="64M", bus="virtio-blk"),
                   dict(name="p", size="64M", bus="pvscsi"),
                   dict(name="m", size="64M", bus="virtio-blk")])
LVOS = bgcommon.LVOS
LVOS_PARAMS = {"lvos_blkgrow": "poll_ms=200"}
BINARIES = ["mkfs.ext4"]
FILES = fzcommon.FILES

GUEST = bgcommon.HELPERS + fzcommon.HELPERS + r'''
G=$(by_serial g); P=$(by_serial p); M=$(by_serial m)
vmtest_match "disks found" "$G $P $M" '^vd[a-z] sd[a-z] vd[a-z]$'
mkfs.ext4 -q /dev/$M
mkdir -p /mnt/m
mount -o ro /dev/$M /mnt/m
vmtest_log ready
vmtest_wait_host "^shrunk" 60 >/dev/null
vmtest_check "the mounted disk is guarded" vmtest_wait_for 10 sh -c "grep -q '^read-only' $B/disks/$M/guard"
# rounds (seed 1, 2, ...) until the host has resized its disks a dozen times
rm -f /tmp/bg-done
( vmtest_wait_host "^resize-done" 300 >/dev/null; touch /tmp/bg-done ) &
vmtest_log fuzzing
# report lines are logged as they come (pr_info, thousands): ~5 ms each on
# the emulated serial console; warnings and worse still reach it, and the
# fuzzer reads every line from /dev/kmsg
echo 5 > /proc/sys/kernel/printk
fz_run sysfs --min-files 10 --state /tmp/fz.state --until /tmp/bg-done
echo 7 > /proc/sys/kernel/printk
vmtest_check "settings restored" lvos-sysfs-fuzz --restore /tmp/fz.state
vmtest_log "$(bg_state $G)"
vmtest_log "$(bg_state $P)"
vmtest_log restore
vmtest_wait_host "^restored" 60 >/dev/null
vmtest_check "sizes back" vmtest_wait_for 20 sh -c "test \$(cat /sys/block/$G/size) = 131072 -a \$(cat /sys/block/$M/size) = 131072"
umount /mnt/m
vmtest_check "unload" rmmod lvos_blkgrow

fz_run params --params /lib/lvos/lvos_blkgrow.ko $FZ_PARAMS
'''


def host(vm):
    q = vm.qmp_client
    vm.wait_line(r"# ready$", timeout=200)
    q.block_resize("m", 48 * MiB)
    vm.send("shrunk")
    vm.wait_line(r"# fuzzing$", timeout=120)
    for i in range(12):
        size = (64 + 8 * (i % 4)) * MiB
        q.block_resize("g", size)
        q.block_resize("p", size + 4 * MiB)
        time.sleep(0.5)
    vm.send("resize-done")
    vm.wait_line(r"# restore$", timeout=900)
    q.block_resize("g", 64 * MiB)
    q.block_resize("m", 64 * MiB)
    vm.send("restored")
