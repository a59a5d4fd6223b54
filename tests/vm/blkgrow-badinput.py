# SPDX-License-Identifier: GPL-2.0-only
# Bad module parameters fail the load of lvos_blkgrow with a log line
# naming the parameter; then 5 load/unload cycles with sysfs readers racing
# the unload, a pvscsi disk being polled (poll_ms=100), a guarded disk at
# unload (released: writable again, said in the log) and host resizes landing
# during the cycles (KASAN, lockdep and kmemleak watch on the debug kernel).
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import bgcommon  # noqa: E402
from bgcommon import MiB  # noqa: E402

KERNELS = ["6.1", "6.12", "debug"]
TIMEOUT = 180
QEMU = dict(machine=bgcommon.MACHINE, memory="384M",
            disks=[dict(name="p", size="64M", bus="pvscsi"),
                   dict(name="g", size="64M", bus="virtio-blk")])
LVOS = bgcommon.LVOS
BINARIES = ["mkfs.ext4"]

GUEST = bgcommon.HELPERS + r'''
ko=/lib/lvos/lvos_blkgrow.ko
P=$(by_serial p); G=$(by_serial g)
vmtest_check "unload" rmmod lvos_blkgrow
for p in poll_ms=5 poll_ms=3600001 watch_ms=0 watch_ms=20000 watch_ms=x \
	 trim_interval=2592001 guard=maybe; do
	vmtest_check "insmod $p refused" sh -c "! insmod $ko $p"
	vmtest_check "insmod $p logged" sh -c "dmesg | tail -n 3 | grep -q '${p%%=*}'"
done
vmtest_check "no directory left behind" test ! -e $B

# a guarded disk at unload is released
mkfs.ext4 -q /dev/$G; mkdir -p /mnt/g; mount /dev/$G /mnt/g
vmtest_check "load" insmod $ko poll_ms=100
vmtest_log ready
vmtest_wait_host shrunk 60
vmtest_check "guarded" vmtest_wait_for 10 sh -c "grep -q '^read-only' $B/disks/$G/guard"
vmtest_check "unload while guarded" rmmod lvos_blkgrow
vmtest_eq "writable again" "$(blockdev --getro /dev/$G)" 0
vmtest_check "said so" sh -c "dmesg | grep -q 'lvos_blkgrow: $G: shrink guard released by the unload'"
umount /mnt/g

( while :; do cat $B/* $B/disks/*/* >/dev/null 2>&1; done ) &
reader=$!
vmtest_log cycles
i=0
while [ $i -lt 5 ]; do
	insmod $ko poll_ms=100 watch_ms=50 || break
	test -e $B/disks/$P/polls || break
	vmtest_wait_for 5 sh -c "test \$(cat $B/disks/$P/polls) -gt 0" || break
	rmmod lvos_blkgrow || break
	i=$((i + 1))
done
kill $reader
wait $reader 2>/dev/null
vmtest_eq "5 load/unload cycles" "$i" 5
vmtest_check "pvscsi resize landed during the cycles" vmtest_wait_for 10 sh -c "echo 1 > /sys/block/$P/device/rescan; test \$(cat /sys/block/$P/size) -gt 131072"
vmtest_check "final load" insmod $ko
'''


def host(vm):
    vm.wait_line(r"# ready$", timeout=120)
    vm.qmp_client.block_resize("g", 32 * MiB)
    vm.send("shrunk")
    vm.wait_line(r"# cycles$", timeout=120)
    for size in (80, 96, 112, 128):
        vm.qmp_client.block_resize("p", size * MiB)
