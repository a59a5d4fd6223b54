# SPDX-License-Identifier: GPL-2.0-only
# Guest-driven mode hands back page cache only, also when the guest has
# swap. memory.reclaim with swap on reclaims anonymous memory too: an idle
# workload's data would be swapped out (or, with lvos_pagefile,
# compressed) by a "page cache" trim. So lvos passes swappiness=0 where
# the kernel takes it (6.12), and on 6.1, which does not, it waits while
# swap has room (guest_state says so) and trims once swap is off.
# Judged by pswpout: no page goes to swap while the trims run. (Before:
# every trim round swapped part of the idle workload out.)
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import blcommon  # noqa: E402

# Debian's kernels: memory cgroups (the 6.1 debug kernel has none)
KERNELS = ["6.1", "6.12"]
TIMEOUT = 240
QEMU = dict(memory="512M", devices=[blcommon.device(oom=True, report=True)],
            disks=[dict(name="swap", size="256M", format="raw"),
                   dict(name="cache", size="200M", format="raw")])
LVOS = blcommon.LVOS
FILES = blcommon.FILES

GUEST = blcommon.HELPERS + r'''
swapouts() { awk '/^pswpout / {print $2}' /proc/vmstat; }
vmtest_check "bound" bl_take
S=$(for b in /sys/block/vd*; do basename $b; done | sed -n 1p)
C=$(for b in /sys/block/vd*; do basename $b; done | sed -n 2p)
vmtest_check "swap on /dev/$S" sh -c "mkswap /dev/$S >/dev/null && swapon /dev/$S"
# an idle workload holding anonymous data, and 200 MiB of page cache read
# twice (active: reclaim does not just trim inactive cache, it weighs
# anonymous memory too)
hog_start 160
exec 3< /dev/$C
dd if=/dev/$C of=/dev/null bs=1M 2>/dev/null
dd if=/dev/$C of=/dev/null bs=1M 2>/dev/null
vmtest_log "cache $(awk '/^Buffers/ {print $2}' /proc/meminfo) kB, swap used $(awk '/^SwapTotal/ {t=$2} /^SwapFree/ {f=$2} END {print t-f}' /proc/meminfo) kB"
o0=$(swapouts)
echo 1 > $B/guest_interval_s
echo 64 > $B/guest_step_mb
echo 32 > $B/guest_keep_mb
echo 1 > $B/guest_driven
if [ "$(uname -r | cut -d. -f1,2)" = 6.1 ]; then
	vmtest_check "6.1: waits while swap has room" vmtest_wait_for 30 sh -c \
		"test \"\$(cat $B/guest_state)\" = \"waiting: swap is on (this kernel's memory.reclaim would swap)\""
	vmtest_eq "6.1: nothing trimmed meanwhile" "$(bl trims)" 0
	vmtest_eq "6.1: nothing swapped out" "$(swapouts)" "$o0"
	vmtest_check "swapoff" swapoff /dev/$S
	o0=$(swapouts)
fi
vmtest_check "cold cache trimmed (at least 120 MiB)" vmtest_wait_for 60 sh -c "test \$(cat $B/trimmed_pages) -ge $(( 120 * 256 ))"
vmtest_log "trimmed $(bl trims) times, $(( $(bl trimmed_pages) / 256 )) MiB; state: $(bl guest_state); pswpout $o0 -> $(swapouts)"
vmtest_eq "not one page swapped out by the trims" "$(swapouts)" "$o0"
echo 0 > $B/guest_driven
exec 3<&-
hog_check "the idle workload"
'''
