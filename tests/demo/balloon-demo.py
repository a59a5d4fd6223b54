# SPDX-License-Identifier: GPL-2.0-only
# make demo, part 5: Debian's stock 6.1 cloud kernel with lvos_balloon in
# place of virtio_balloon (a 768 MiB guest, the host offering
# deflate-on-oom, free page reporting and stats). The host asks for
# 256 MiB back and then for far more than the guest can give while a
# workload holds most of its memory: lvos stops at the working-set floor
# and says why, nothing is killed. The guest sends its report back for
# tools/demo.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vm", "lib"))
import blcommon  # noqa: E402
from blcommon import MiB  # noqa: E402

KERNELS = ["6.1"]
TIMEOUT = 180
QEMU = dict(memory="768M", devices=[blcommon.device(oom=True, report=True)])
LVOS = blcommon.LVOS
FILES = blcommon.FILES

GUEST = blcommon.HELPERS + r'''
R=/tmp/report
show() { echo "\$ $*"; sh -c "$*"; }
{
	show uname -r
	show "readlink /sys/bus/virtio/devices/$(bl_dev)/driver"
	show "cat $B/features"
} > $R 2>&1
vmtest_log ready
vmtest_wait_host "^inflated " 60 > /tmp/h
{
	echo "# host: QMP balloon 512M -> $(cut -d' ' -f2- /tmp/h)"
	show "cd $B && grep . actual chunks pages chunks_reported inflate_us floor refuse_reason"
} >> $R 2>&1
hog_start $(( $(avail_kb) / 1024 - 100 ))
k0=$(oom_kills)
{
	echo "# a workload now holds all but 100 MiB of what is available"
} >> $R 2>&1
vmtest_log ready-over
vmtest_wait_host "^settled " 60 > /tmp/h
hog_check "demo workload"
{
	echo "# host: QMP balloon 128M -> $(cut -d' ' -f2- /tmp/h)"
	show "cd $B && grep . actual working_set floor limit refused refuse_reason"
	show "dmesg | grep 'lvos_balloon: host target' | tail -n 1"
	echo "# OOM kills: $(( $(oom_kills) - k0 )); the workload's data: $(tail -n 1 /tmp/hog.out | grep -o 'corrupt=[0-9]*')"
} >> $R 2>&1
cat $R
vmtest_send_file report $R
vmtest_check "inflated, then refused at the floor" sh -c "grep -q '^refuse_reason:floor' $R"
'''


def host(vm):
    q = vm.qmp_client
    vm.wait_line(r"# ready$", timeout=120)
    s = blcommon.reach(q, 512)
    vm.send("inflated in %.2f s (query-balloon: actual %d MiB)" % (s, blcommon.actual_mib(q)))
    vm.wait_line(r"# ready-over$", timeout=120)
    q.balloon(128 * MiB)
    mib, secs = blcommon.settle(q)
    vm.send("settled at %d MiB after %.2f s (the host asked for 128)" % (mib, secs))
