# SPDX-License-Identifier: GPL-2.0-only
# Target below the working set, on a host without deflate-on-oom (where
# virtio_balloon lets the OOM killer kill the workload): lvos inflates only
# down to the working-set floor, settles within 5 s, kills nothing, says
# why (refuse_reason, refused pages, the lvos_balloon_refuse tracepoint, a
# log line) and the workload's data is intact.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import blcommon  # noqa: E402
import blfloor  # noqa: E402

TIMEOUT = 240
# (balloon-pressure runs the same scenario on the 6.1 debug kernel)
KERNELS = ["6.1", "6.12", "debug-6.12"]
QEMU = dict(memory="512M", devices=[blcommon.device(oom=False, report=False)])
LVOS = blcommon.LVOS
FILES = blcommon.FILES

GUEST = blcommon.HELPERS + blfloor.GUEST_FLOOR + r'''
vmtest_eq "no deflate-on-oom: the balloon never shrinks on its own" "$(cat $B/deflated/pressure)$(cat $B/deflated/reclaim)$(cat $B/deflated/oom)" 000
'''


def host(vm):
    blfloor.host_floor(vm)
