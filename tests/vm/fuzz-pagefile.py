# SPDX-License-Identifier: GPL-2.0-only
# Fuzzing lvos_pagefile (tools/lvos-sysfs-fuzz): every writable file of
# pagefile0 gets 10^4 generated inputs one at a time plus 2 x 4 x 250 from
# concurrent writers while the volume is swap under a workload (a hog
# holding swapped pages, smaller hogs churning through swap; a spare disk
# can be attached as backing device meanwhile); then, swapped off and
# reset, the files whose writes depend on the volume being idle (size,
# compressors, backing device, reset) get 2000 more, so the accepting paths
# run too. Each write is judged against docs/ABI/sysfs-block-lvos-pagefile
# (errno, value unchanged after a refusal, read-back after an acceptance);
# the log must stay ratelimited; the workload's data must verify and every
# setting is put back. Then every module parameter gets 200 generated
# values (25 on the debug kernel: fzcommon) through finit_module: refused
# with an errno and a log line, or loaded with the value in effect and
# unloaded.
#
# rcu_expedited: every module load and unload waits for RCU grace
# periods; expedited, a load costs a quarter of the time under TCG.
# log_buf_len: the fuzzer reads the kernel log after each file (it counts
# the lines and looks for warnings); accepted writes log thousands of lines
# that must not wrap the ring before it does.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import pfcommon  # noqa: E402
import fzcommon  # noqa: E402

KERNELS = ["debug", "6.1"]
TIMEOUT = 300
APPEND = "rcupdate.rcu_expedited=1 log_buf_len=8M"
QEMU = dict(memory="384M", smp="2",
            disks=[dict(name="back", size="64M", format="raw", bus="virtio-blk")])
from pfcommon import MODULES, OPTIONAL_MODULES, LVOS  # noqa: E402,F401
FILES = dict(pfcommon.FILES, **fzcommon.FILES)

GUEST = pfcommon.HELPERS + fzcommon.HELPERS + r'''
d=/sys/block/pagefile0/pagefile
# the workload: pagefile0 is swap; a hog holds 16 MiB more than RAM (its
# pages verified at the end), smaller hogs churn 16 MiB through swap until
# the fuzzer is done; half of every hog's pages are zero-filled (no pool
# memory), so swap keeps room while the fuzzer moves the cap. RAM beyond
# 96 MiB available is pinned in a ramfs file (never swapped), so the hog
# needs not fill it first: the debug kernel (KASAN) fills pages slowly,
# and needs the 384 MiB for the 16-volume parameter loads below.
mkswap /dev/pagefile0 >/dev/null
vmtest_check "swapon pagefile0" swapon /dev/pagefile0
mkdir -p /mnt/pin
mount -t ramfs ramfs /mnt/pin
pin=$(( $(hog_mib 100) - 96 ))
[ $pin -gt 0 ] && dd if=/dev/zero of=/mnt/pin/ram bs=1M count=$pin 2>/dev/null
avail=$(hog_mib 100)
over=16
hold=$(( avail + over ))
rm -f /tmp/go /tmp/fz-done
pagefile-hog --quiet --mix 50:50:0 --wait-file /tmp/go --wait-timeout 3000 $hold > /tmp/hog.out 2>&1 &
hog=$!
vmtest_check "hog holds $hold MiB ($avail available)" vmtest_wait_for 300 grep -q "hog: ready" /tmp/hog.out
(
	n=0
	while [ ! -e /tmp/fz-done ]; do
		pagefile-hog --quiet --mix 50:50:0 --seed $n $over >> /tmp/churn.out 2>&1 || echo "churn $n: exit $?" >> /tmp/churn.out
		n=$((n + 1))
	done
) &
churn=$!
vmtest_check "swapping before the fuzzer starts ($(pfv pages_stored) pages stored)" test "$(pfv pages_stored)" -gt 1000

k0=$(awk '/^oom_kill / {print $2}' /proc/vmstat)
# pr_info lines (one per accepted write, thousands) cost ~5 ms each on the
# emulated serial console: keep them off it while fuzzing; warnings and
# worse still reach it, and the fuzzer reads every line from /dev/kmsg
echo 5 > /proc/sys/kernel/printk
fz_run busy --min-files 8 --state /tmp/fz.state
echo 7 > /proc/sys/kernel/printk
touch /tmp/fz-done /tmp/go
wait $churn
wait $hog
vmtest_eq "the held data verifies after the fuzzing" "$(tail -n 1 /tmp/hog.out | sed -n 's/.* corrupt=\([0-9]*\).*/\1/p')" 0
vmtest_eq "every churn run verified" "$(grep -c 'corrupt=0 ' /tmp/churn.out) runs, $(grep -c 'churn .*exit' /tmp/churn.out) failed" "$(grep -c '^hog-result' /tmp/churn.out) runs, 0 failed"
vmtest_eq "no OOM kill" "$(( $(awk '/^oom_kill / {print $2}' /proc/vmstat) - k0 ))" 0
vmtest_log "after the fuzzing: $(pf_stats)"
vmtest_check "swapoff" swapoff /dev/pagefile0
rm -f /mnt/pin/ram
umount /mnt/pin
# a backing device holding pages is detached after swapoff and reset (ABI)
vmtest_check "reset" sh -c "echo 1 > $d/reset"
vmtest_check "settings restored" lvos-sysfs-fuzz --restore /tmp/fz.state

# idle: the writes a volume in use refuses with -EBUSY
echo 5 > /proc/sys/kernel/printk
fz_run idle --count 2000 --threads 2 --concurrent 100 --min-files 5 \
	--only size_percent --only comp_algorithm --only recomp_algorithm \
	--only backing_dev --only reset $d
echo 7 > /proc/sys/kernel/printk
vmtest_check "settings restored" lvos-sysfs-fuzz --restore /tmp/fz.state
vmtest_check "unload" rmmod lvos_pagefile

fz_run params --params /lib/lvos/lvos_pagefile.ko $FZ_PARAMS
vmtest_check "no volume left behind" test ! -e /sys/block/pagefile0
'''
