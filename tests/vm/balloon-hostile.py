# SPDX-License-Identifier: GPL-2.0-only
# A host that asks for more memory than the guest has. QEMU clamps its own
# balloon target to the guest's RAM, so the request comes from a debugfs
# injection (fake_target_pages: read instead of the config's num_pages):
# 4x the guest's RAM, then the largest value the 32-bit field holds. The
# target is capped at the guest's memory (host_target keeps what was
# asked), the cap is logged once per new request (not on every watch tick),
# the balloon stops at the working-set floor and says so, nobody is OOM
# killed, the data a workload holds (pagefile-hog, verified page by page)
# and a tmpfs file (md5) are intact, and when the host asks for nothing
# again the balloon gives every page back.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import blcommon  # noqa: E402

TIMEOUT = 150
KERNELS = ["6.1", "6.12", "debug"]
QEMU = dict(memory="512M", devices=[blcommon.device(oom=True, report=False)])
LVOS = blcommon.LVOS
FILES = blcommon.FILES

GUEST = blcommon.HELPERS + r'''
F=/sys/kernel/debug/lvos_balloon/fake_target_pages
vmtest_check "bound" bl_take
vmtest_check "injection knob" test -w $F
dd if=/dev/urandom of=/tmp/data bs=1M count=16 2>/dev/null
want=$(md5sum < /tmp/data)
hog_start 64
k0=$(oom_kills)
# with deflate-on-oom the balloon's pages stay in MemTotal: the guest's memory
total=$(( $(memtotal_kb) / 4 ))
capped() { dmesg | grep -c "lvos_balloon: the host asks for $1 pages, more than the guest's $total: capped"; }
settled() {
	_a=$(bl actual); sleep 2
	test "$(bl actual)" = "$_a" && test "$(bl refuse_reason)" = floor
}
ask() {
	echo $1 > $F
	vmtest_check "$2: the request is seen" vmtest_wait_for 30 sh -c "test \$(cat $B/host_target) = $1"
	vmtest_check "$2: the balloon stops at the floor" vmtest_wait_for 90 settled
	vmtest_eq "$2: target capped at the guest's memory" "$(bl target)" $total
	# the floor moves a little as the balloon fills; hyst_mb keeps it from chasing
	vmtest_check "$2: within the floor" test $(( $(bl actual) + $(bl floor) )) -le $(( total + $(bl hyst_mb) * 256 ))
	vmtest_check "$2: inflated" test "$(bl actual)" -gt $(( total / 4 ))
	vmtest_eq "$2: refused is the rest of the target" "$(bl refused)" $(( total - $(bl actual) ))
	vmtest_eq "$2: logged once" "$(capped $1)" 1
	vmtest_eq "$2: no OOM kill" "$(oom_kills)" "$k0"
	vmtest_log "$2: $(bl actual) of $total pages ballooned, floor $(bl floor)"
}
ask $(( total * 4 )) "4x RAM"
ask 4294967295 "2^32-1 pages"
sleep 3
vmtest_eq "not logged again while the request stands (3 watch ticks)" "$(capped 4294967295)" 1
vmtest_check "the guest still runs" sh -c "pagefile-hog 16 >/dev/null"
echo 0 > $F
vmtest_check "host asks for nothing again: every page back" vmtest_wait_for 60 sh -c "test \$(cat $B/actual) -eq 0"
vmtest_eq "target from the host again" "$(bl target) $(bl host_target)" "0 0"
vmtest_eq "no OOM kill at all" "$(oom_kills)" "$k0"
vmtest_eq "tmpfs data intact (md5)" "$(md5sum < /tmp/data)" "$want"
hog_check "held workload"
'''
