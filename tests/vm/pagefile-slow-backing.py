# SPDX-License-Identifier: GPL-2.0-only
# A setting written while the purge worker writes back to a slow backing
# device (dm-delay, 50 ms per I/O) takes effect at once: the worker holds
# the volume's lock for reading across a whole pass (hundreds of
# synchronous writes here, up to 4096), and a setting that needs no
# exclusion must not queue behind it (nor hold up swap I/O meanwhile).
# Judged by order, not time: the write returns while the pass is still
# writing. Then every page reads back intact from the slow device.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import pfcommon  # noqa: E402

# dm-delay is a module of Debian's kernels, not in the debug kernels
KERNELS = ["6.1", "6.12"]
TIMEOUT = 300
QEMU = dict(memory="256M", smp="2",
            disks=[dict(name="back", size="128M", format="raw", bus="virtio-blk")])
MODULES = pfcommon.MODULES + ["dm_mod", "dm_delay"]
OPTIONAL_MODULES = pfcommon.OPTIONAL_MODULES
LVOS = pfcommon.LVOS
LVOS_PARAMS = {"lvos_pagefile": "size_percent=50 cap_percent=8 purge_interval=1"}
FILES = pfcommon.FILES
BINARIES = ["dmsetup"]

GUEST = pfcommon.HELPERS + r'''
d=/sys/block/pagefile0/pagefile
sz=$(blockdev --getsz /dev/vda)
vmtest_check "dm-delay device, no delay yet" dmsetup create slow --table "0 $sz delay /dev/vda 0 0"
dmsetup mknodes slow	# no udev in this guest
vmtest_check "attach it as backing device" sh -c "echo /dev/mapper/slow > $d/backing_dev"
cap=$(( $(pfv mem_limit) / 4096 ))
# incompressible pages are stored whole: 85% of the cap stays under the
# worker's high watermark (90%), so nothing is written back yet
n1=$(( cap * 85 / 100 ))
n2=$(( cap * 12 / 100 ))
dd if=/dev/urandom of=/tmp/fill bs=4096 count=$((n1 + n2)) 2>/dev/null
vmtest_check "fill to 85% of the cap" dd if=/tmp/fill of=/dev/pagefile0 bs=4096 count=$n1 oflag=direct
vmtest_eq "nothing written back below the high watermark" "$(pfv written_back_pages)" 0
vmtest_check "50 ms per I/O on the backing device" sh -c \
	"dmsetup suspend slow && dmsetup load slow --table '0 $sz delay /dev/vda 0 50' && dmsetup resume slow"
# to 97%: the next pass writes back down to 80%, ~17% of the cap at 50 ms each
vmtest_check "fill to 97% of the cap" dd if=/tmp/fill of=/dev/pagefile0 bs=4096 seek=$n1 skip=$n1 count=$n2 oflag=direct
vmtest_wait_for 60 sh -c "test \$(cat $d/written_back_pages) -gt 0"
w0=$(pfv written_back_pages)
vmtest_check "idle_age written during the pass" sh -c "echo 1234 > $d/idle_age"
w1=$(pfv written_back_pages)
vmtest_eq "idle_age in effect" "$(pfv idle_age)" 1234
vmtest_check "cap_percent written during the pass" sh -c "echo 8 > $d/cap_percent"
vmtest_check "compact_threshold written during the pass" sh -c "echo 30 > $d/compact_threshold"
# the pass ends at the low watermark (80% of the cap): wait for it
low=$(( cap * 81 / 100 ))
vmtest_wait_for 120 sh -c "test \$(( \$(cat $d/mem_used_total) / 4096 )) -le $low"
w2=$(pfv written_back_pages)
vmtest_log "written back: $w0 when the writes began, $w1 after idle_age returned, $w2 at the end of the pass"
vmtest_check "the pass wrote back its share ($w2 pages >= 10% of the cap)" test "$w2" -ge $(( cap / 10 ))
vmtest_check "the settings write returned while the pass was still writing ($w1 < $w2 / 2)" \
	test "$w1" -lt $(( w2 / 2 ))
vmtest_check "no delay for the read-back" sh -c \
	"dmsetup suspend slow && dmsetup load slow --table '0 $sz delay /dev/vda 0 0' && dmsetup resume slow"
vmtest_check "every page reads back, from memory and from the backing device" sh -c \
	"dd if=/dev/pagefile0 bs=4096 count=$((n1 + n2)) iflag=direct 2>/dev/null | cmp - /tmp/fill"
vmtest_eq "no failed reads or writes" "$(pfv failed_reads):$(pfv failed_writes)" 0:0
vmtest_check "reset" sh -c "echo 1 > $d/reset"
vmtest_check "detach backing device" sh -c "echo none > $d/backing_dev"
vmtest_check "remove the dm-delay device" dmsetup remove slow
'''
