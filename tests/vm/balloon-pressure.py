# SPDX-License-Identifier: GPL-2.0-only
# With deflate-on-oom: a target below the working set settles at the floor
# (as in balloon-floor). Then the balloon is inflated while memory is free
# and a workload grows past what is left: lvos deflates before the OOM
# killer (reclaim, pressure or OOM notifier, counted by reason), nothing is
# killed, the data is intact, and once the workload is gone and the
# hold-off has passed the balloon goes back to the host's target.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import blcommon  # noqa: E402
import blfloor  # noqa: E402

KERNELS = ["6.1", "6.12", "debug"]
TIMEOUT = 300
QEMU = dict(memory="512M", devices=[blcommon.device(oom=True, report=False)])
LVOS = blcommon.LVOS
FILES = blcommon.FILES

GUEST = blcommon.HELPERS + blfloor.GUEST_FLOOR + r'''
vmtest_eq "features" "$(bl features)" "stats deflate-on-oom"
vmtest_log ready-inflate
vmtest_wait_host "^inflated$" 60 >/dev/null
b0=$(bl actual)
vmtest_check "balloon at the host's target" test "$b0" -eq "$(bl target)"
bl_grow_past 96
vmtest_check "the balloon gave way (deflates under pressure counted)" test "$DEFLATED" -ge $(( 96 * 256 ))
vmtest_check "logged" sh -c "dmesg | grep -qE 'lvos_balloon: (memory short: deflated|working set grew: deflated|out of memory: deflated) [0-9]+ pages'"
vmtest_check "back at the host's target after the hold-off" vmtest_wait_for 60 sh -c "test \$(cat $B/actual) -eq $b0"
vmtest_eq "nothing refused any more" "$(bl refuse_reason)" none
'''


def host(vm):
    blfloor.host_floor(vm)
    q = vm.qmp_client
    vm.wait_line(r"# ready-inflate$", timeout=300)
    s = blcommon.reach(q, 256)
    print("# 256 MiB reached in %.2f s" % s)
    vm.send("inflated")
