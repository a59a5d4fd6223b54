# SPDX-License-Identifier: GPL-2.0-only
# A 2 MiB chunk inflated through the free page reporting queue was never
# on the inflate queue, so the host never saw its PFNs as balloon pages:
# no deflate message may ever name them. A deflate smaller than a chunk,
# with only reported chunks in the balloon, takes a whole chunk back
# (no message) and the balloon inflates the difference in single pages
# through the inflate queue. (Before: the reported chunk was split and
# its pages later went out in deflate messages: 512 PFNs the host had
# never seen inflated, over the two deflates here.) Followed through the
# lvos_balloon_message tracepoint.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import blcommon  # noqa: E402

KERNELS = ["6.1", "6.12", "debug"]
TIMEOUT = 150
QEMU = dict(memory="512M", devices=[blcommon.device(oom=False, report=True)])
LVOS = blcommon.LVOS
FILES = blcommon.FILES

GUEST = blcommon.HELPERS + r'''
T=/sys/kernel/debug/tracing
# pages named in deflate (or inflate) messages so far
named() { grep -o "lvos_balloon_message: queue=$1 pages=[0-9]*" $T/trace | awk -F= '{ n += $3 } END { print n + 0 }'; }
vmtest_check "bound" bl_take
echo 1 > $T/events/lvos_balloon/lvos_balloon_message/enable
vmtest_log ready-inflate
vmtest_wait_host "^inflated$" 60 >/dev/null
vmtest_eq "64 MiB: 32 chunks, all through the reporting queue" \
	"$(bl actual) $(bl chunks) $(bl pages) $(bl chunks_reported)" "16384 32 0 32"
vmtest_eq "no inflate message" "$(named inflate)" 0
vmtest_log ready-1m
vmtest_wait_host "^deflated-1m$" 60 >/dev/null
vmtest_eq "63 MiB: 31 chunks and 256 single pages" "$(bl actual) $(bl chunks) $(bl pages)" "16128 31 256"
vmtest_eq "no deflate message named a reported page" "$(named deflate)" 0
vmtest_eq "the 256 single pages went through the inflate queue" "$(named inflate)" 256
vmtest_log ready-empty
vmtest_wait_host "^empty$" 60 >/dev/null
vmtest_eq "empty" "$(bl actual)" 0
vmtest_eq "deflate messages named exactly the pages the host saw inflated" "$(named deflate)" 256
vmtest_eq "no stalls" "$(bl stalls)" 0
'''


def host(vm):
    blcommon.answer(vm, "ready-inflate", 448, "inflated")
    q = vm.qmp_client
    vm.wait_line(r"# ready-1m$", timeout=vm.limit(60))
    blcommon.reach(q, 449, timeout=vm.limit(30))
    blcommon.settle(q, quiet=2.0, timeout=vm.limit(30))
    vm.send("deflated-1m")
    blcommon.answer(vm, "ready-empty", 512, "empty")
