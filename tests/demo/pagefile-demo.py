# SPDX-License-Identifier: GPL-2.0-only
# make demo, part 2: Debian's stock 6.1 cloud kernel with lvos_pagefile in
# a 256 MiB guest. The unit the udev rule asks for (its ExecStart, run as
# systemd would: the guest has no systemd) turns /dev/pagefile0 into swap
# when it appears; a workload of 1.25 x RAM swaps to it with every page
# verified; the guest sends the before/after report back for tools/demo.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vm", "lib"))
import pfcommon  # noqa: E402

KERNELS = ["6.1"]
TIMEOUT = 300
QEMU = dict(memory="256M", smp="2")
MODULES = pfcommon.MODULES
OPTIONAL_MODULES = pfcommon.OPTIONAL_MODULES
LVOS = pfcommon.LVOS
# a volume of 150% of RAM (the default 50% is sized for a guest that
# swaps a little, not for a workload of 1.25 x RAM); short idle age to show
# the purge within the demo
LVOS_PARAMS = {"lvos_pagefile": "size_percent=150 cap_percent=60 idle_age=5 purge_interval=2"}
FILES = dict(pfcommon.FILES, **pfcommon.UDEV_FILES)

GUEST = pfcommon.HELPERS + pfcommon.UDEV_RUN + r'''
mib=$(( $(memtotal_kb) * 5 / 4 / 1024 ))
{
	echo "\$ uname -r"; uname -r
	echo "\$ grep MemTotal /proc/meminfo"; grep MemTotal /proc/meminfo
	echo "# udev: add /dev/pagefile0 -> systemd starts lvos-pagefile@pagefile0.service -> $(unit_cmd /dev/pagefile0 ExecStart)"
	udev_add /dev/pagefile0 2>&1
	echo "\$ cat /proc/swaps"; cat /proc/swaps
	echo "\$ pagefile-hog $mib   # 1.25 x RAM of zero, text and random pages, verified"
	pagefile-hog --wait-file /tmp/go $mib > /tmp/hog.out 2>&1 &
	hog=$!
	while ! grep -q "hog: ready" /tmp/hog.out; do kill -0 $hog 2>/dev/null || break; sleep 0.5; done
	echo "# while the workload sleeps (swapped out):"
	cd /sys/block/pagefile0/pagefile
	grep . disksize mem_limit pages_stored orig_data_size compr_data_size mem_used_total same_pages huge_pages
	echo "# after 15 s idle, with no userspace trigger (idle_age=5):"
	sleep 15
	grep . recompressed_pages recompress_saved_bytes compactions
	cd /
	touch /tmp/go
	wait $hog
	cat /tmp/hog.out
	swapoff /dev/pagefile0
} > /tmp/report 2>&1
vmtest_eq "demo workload verified" "$(hog_field corrupt)" 0
vmtest_send_file report /tmp/report
'''
