# SPDX-License-Identifier: GPL-2.0-only
# Host-friendly memory return, seen from the host (QEMU's RSS and
# AnonHugePages from /proc/<pid>/smaps_rollup):
# - free page reporting: memory the guest frees goes back to the host;
# - inflation through the reporting queue: 2 MiB chunks, one discard per
#   range, so the host's remaining huge pages are not split;
# - guest-driven mode: an idle guest's cold page cache is trimmed and
#   handed back without anything on the host asking (through the root
#   memory cgroup's memory.reclaim: the debug kernel has no memory cgroup,
#   so this runs on the stock kernels only).
# The guest zeroes pages on free (init_on_free=1): lvos offers page poison
# awareness (poison value 0: zeroed), so the host still discards reported
# pages (balloon-basic checks the feature is not offered without it).
import os
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import blcommon  # noqa: E402
from blcommon import rss_mib, smaps  # noqa: E402

TIMEOUT = 300
KERNELS = ["6.1", "6.12"]
QEMU = dict(memory="768M", devices=[blcommon.device(oom=True, report=True)],
            disks=[dict(name="c", size="320M", format="raw")])
LVOS = blcommon.LVOS
FILES = blcommon.FILES
APPEND = "init_on_free=1"

GUEST = blcommon.HELPERS + r'''
vmtest_check "balloon bound to lvos_balloon" bl_take
vmtest_eq "features" "$(bl features)" "stats deflate-on-oom page-poison free-page-reporting"
vmtest_log ready-touch
vmtest_wait_host "^go$" 60 >/dev/null
# the guest uses 400 MiB once, then frees it
vmtest_check "400 MiB used and freed" sh -c "pagefile-hog 400 > /tmp/h.out 2>&1"
vmtest_log freed
vmtest_wait_host "^reported " 60
vmtest_check "free pages reported" test "$(bl reports)" -gt 0
vmtest_check "at least 200 MiB of them" test "$(bl reported_pages)" -ge $(( 200 * 256 ))

D=/dev/$(for b in /sys/block/vd*; do basename $b; done | head -n 1)
# resident page cache the balloon has to reclaim (free memory is reported);
# the disk is kept open: the kernel drops a block device's cache at the
# last close
exec 3< $D
dd if=$D of=/dev/null bs=1M 2>/dev/null
vmtest_log "cache $(awk '/^Buffers/ {print $2}' /proc/meminfo) kB, free $(awk '/^MemFree/ {print $2}' /proc/meminfo) kB"
vmtest_log ready-inflate
vmtest_wait_host "^inflated$" 60 >/dev/null
vmtest_log "balloon pages $(bl pages) chunks $(bl chunks)"
vmtest_check "chunks went through the reporting queue" test "$(bl chunks_reported)" -ge 64
vmtest_wait_host "^checked$" 60 >/dev/null
vmtest_log ready-deflate
vmtest_wait_host "^deflated$" 60 >/dev/null

# guest-driven mode: cold page cache goes back to the host on its own
ls /sys/block; dd if=$D of=/dev/null bs=1M
vmtest_log "cache $(awk '/^Buffers/ {print $2}' /proc/meminfo) kB"
vmtest_eq "guest-driven mode off by default" "$(bl guest_state)" off
vmtest_log ready-guest
vmtest_wait_host "^measured$" 60 >/dev/null
echo 1 > $B/guest_interval_s
echo 64 > $B/guest_step_mb
echo 32 > $B/guest_keep_mb
echo 1 > $B/guest_driven
vmtest_check "cold cache trimmed (at least 200 MiB)" vmtest_wait_for 60 sh -c "test \$(cat $B/trimmed_pages) -ge $(( 200 * 256 ))"
vmtest_log "trimmed $(bl trims) times, $(( $(bl trimmed_pages) / 256 )) MiB; state: $(bl guest_state)"
vmtest_check "the disk's cache trimmed to below 100 MiB" test "$(awk '/^Buffers/ {print $2}' /proc/meminfo)" -lt $(( 100 * 1024 ))
vmtest_log trimmed
vmtest_wait_host "^returned " 60
echo 0 > $B/guest_driven
exec 3<&-
vmtest_check "off again" vmtest_wait_for 10 sh -c "test \"\$(cat $B/guest_state)\" = off"
'''


def wait_rss(vm, below, timeout, what):
    t0 = time.monotonic()
    while rss_mib(vm) > below:
        if time.monotonic() - t0 > timeout:
            raise AssertionError("%s: QEMU RSS %d MiB, not below %d MiB after %.0f s"
                                 % (what, rss_mib(vm), below, timeout))
        time.sleep(0.2)
    return time.monotonic() - t0


def host(vm):
    q = vm.qmp_client
    vm.wait_line(r"# ready-touch$", timeout=150)
    vm.send("go")
    vm.wait_line(r"# freed$", timeout=120)
    peak = rss_mib(vm)
    s = wait_rss(vm, peak - 250, 30, "free page reporting")
    print("# free page reporting: RSS %d -> %d MiB in %.1f s" % (peak, rss_mib(vm), s))
    vm.send("reported %d" % rss_mib(vm))

    vm.wait_line(r"# ready-inflate$", timeout=120)
    # the free memory is reported already: the balloon's gain for the host
    # is the page cache it reclaims
    time.sleep(3)
    before = smaps(vm)
    s = blcommon.reach(q, 320)
    time.sleep(0.5)
    after = smaps(vm)
    vm.send("inflated")
    pages = int(vm.wait_line(r"# balloon pages (\d+) chunks", timeout=60).group(1))
    print("# inflate 768 -> 320 MiB in %.2f s: QEMU %r -> %r, %d single pages"
          % (s, before, after, pages))
    back = before["Rss"] - after["Rss"]
    if back < 64:
        raise AssertionError("inflating 448 MiB returned only %d MiB to the host" % back)
    # whole 2 MiB ranges discarded: no huge page is split, only whole ones
    # go; a single page (when the guest had no free 2 MiB block) may cost
    # one host huge page
    lost = before["AnonHugePages"] - after["AnonHugePages"]
    if lost > back + 16 + 2 * pages:
        raise AssertionError("AnonHugePages fell by %d MiB for %d MiB returned: huge pages split"
                             % (lost, back))
    vm.send("checked")
    vm.wait_line(r"# ready-deflate$", timeout=120)
    blcommon.reach(q, 768)
    vm.send("deflated")

    vm.wait_line(r"# ready-guest$", timeout=120)
    time.sleep(3)       # reporting of what the read did not use settles
    cached = rss_mib(vm)
    vm.send("measured")
    vm.wait_line(r"# trimmed$", timeout=120)
    s = wait_rss(vm, cached - 150, 30, "guest-driven mode")
    print("# guest-driven: RSS %d -> %d MiB (%.1f s after the trim)" % (cached, rss_mib(vm), s))
    vm.send("returned %d" % rss_mib(vm))
