# SPDX-License-Identifier: GPL-2.0-only
# Bad input to lvos_pagefile: every sysfs setting rejects negative, huge,
# non-numeric and unknown values with the right errno and a log line that
# names the device and the setting; resizing, changing the compressor or
# resetting a volume in use is -EBUSY; bad module parameters fail the load
# with a log line; a pagefile volume cannot back itself, a 200 GiB disk
# can. Then 5 load/unload cycles with readers racing the
# unload (KASAN, lockdep and kmemleak watch on the debug kernel).
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import pfcommon  # noqa: E402

KERNELS = ["6.1", "6.12", "debug"]
TIMEOUT = 240
# a 200 GiB sparse disk as backing device: its block map (6.5 MiB for the
# whole disk) is past what kmalloc gives; only the volume's size is mapped
QEMU = dict(memory="256M", smp="2",
            disks=[dict(name="big", size="200G", format="raw", bus="virtio-blk")])
from pfcommon import MODULES, OPTIONAL_MODULES, LVOS  # noqa: E402,F401
FILES = pfcommon.FILES

GUEST = pfcommon.HELPERS + r'''
d=/sys/block/pagefile0/pagefile
# expect ATTR VALUE ERRNO-TEXT: the write fails with that error and logs a line
expect() {
	before=$(dmesg | grep -c "pagefile0: $1")
	err=$( (echo "$2" > $d/$1) 2>&1 )
	vmtest_match "$1 <- '$2' rejected" "$err" "$3"
	after=$(dmesg | grep -c "pagefile0: $1")
	vmtest_check "$1 <- '$2' logged" test "$after" -gt "$before"
}
EINVAL="Invalid argument"
ERANGE="out of range|not representable"
EBUSY="busy"
expect size_percent -1 "$EINVAL"
expect size_percent abc "$EINVAL"
expect size_percent 0 "$ERANGE"
expect size_percent 401 "$ERANGE"
expect size_percent 99999999999999 "$ERANGE"
expect cap_percent 91 "$ERANGE"
expect cap_percent 12x "$EINVAL"
expect idle_age -5 "$EINVAL"
expect idle_age 2592001 "$ERANGE"
expect compact_threshold 101 "$ERANGE"
expect comp_algorithm foo "$EINVAL"
expect comp_algorithm "" "$EINVAL"
expect recomp_algorithm lz4x "$EINVAL"
expect backing_dev /dev/nonexistent "No such file"
expect backing_dev /dev/pagefile0 "$EINVAL"
vmtest_eq "200 GiB disk" "$(cat /sys/block/vda/size)" $((200 * 1024 * 1024 * 2))
vmtest_check "a 200 GiB backing device is taken" sh -c "echo /dev/vda > $d/backing_dev"
vmtest_eq "backing_dev" "$(pfv backing_dev)" /dev/vda
vmtest_match "its block map covers the volume, not the disk" "$(dmesg | grep 'pagefile0: backing device' | tail -n 1)" \
	"using $(( $(pfv disksize) / 4096 )) of its 52428800 pages"
expect backing_dev /dev/vda "$EBUSY"
vmtest_check "backing device detached" sh -c "echo none > $d/backing_dev"
vmtest_eq "backing_dev none" "$(pfv backing_dev)" none
expect reset 2 "$ERANGE"
vmtest_eq "settings unchanged" "$(pfv size_percent):$(pfv cap_percent):$(pfv comp_algorithm)" 50:25:lz4

# valid changes on an idle, empty volume take effect
vmtest_check "comp_algorithm zstd" sh -c "echo zstd > $d/comp_algorithm"
vmtest_eq "compressor is zstd" "$(pfv comp_algorithm)" zstd
vmtest_check "recomp_algorithm none" sh -c "echo none > $d/recomp_algorithm"
vmtest_check "size_percent 30" sh -c "echo 30 > $d/size_percent"
vmtest_eq "volume resized" "$(( $(pfv disksize) / 4096 ))" "$(( $(memtotal_kb) / 4 * 30 / 100 ))"

# in use: no resize, no compressor change, no reset
mkswap /dev/pagefile0 >/dev/null
vmtest_check "swapon" swapon /dev/pagefile0
expect size_percent 40 "$EBUSY"
expect comp_algorithm lz4 "$EBUSY"
expect reset 1 "$EBUSY"
vmtest_check "swapoff" swapoff /dev/pagefile0
vmtest_check "reset when idle" sh -c "echo 1 > $d/reset"
vmtest_eq "reset empties the volume" "$(pfv pages_stored)" 0
vmtest_check "unload" rmmod lvos_pagefile

# bad module parameters fail the load and say why
ko=/lib/lvos/lvos_pagefile.ko
for p in size_percent=0 size_percent=401 cap_percent=95 num_devices=0 num_devices=17 \
	 comp=foo recomp=bar purge_interval=0 idle_age=99999999; do
	vmtest_check "insmod $p refused" sh -c "! insmod $ko $p"
	vmtest_check "insmod $p logged" sh -c "dmesg | tail -n 3 | grep -q 'lvos_pagefile: ${p%%=*}'"
done
vmtest_check "no device left behind" test ! -e /sys/block/pagefile0

# load/unload loop with readers racing the unload
( while :; do cat /sys/block/pagefile*/pagefile/* >/dev/null 2>&1; done ) &
reader=$!
i=0
while [ $i -lt 5 ]; do
	insmod $ko num_devices=3 || break
	test -b /dev/pagefile2 || break
	dd if=/dev/urandom of=/dev/pagefile1 bs=64k count=16 conv=fsync 2>/dev/null
	rmmod lvos_pagefile || break
	i=$((i + 1))
done
kill $reader
wait $reader 2>/dev/null
vmtest_eq "5 load/write/unload cycles" "$i" 5
vmtest_check "all devices gone" test ! -e /sys/block/pagefile0
'''
