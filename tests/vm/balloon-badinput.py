# SPDX-License-Identifier: GPL-2.0-only
# Bad input to lvos_balloon: bad module parameters fail the load with a
# log line; bad sysfs writes get -EINVAL/-ERANGE/-EACCES and a log line.
# Hostile targets: "all of the guest's memory" (QMP's smallest target,
# 1 byte) is refused at the floor without an OOM kill; 24 targets flapping
# back and forth end where the host stopped, data intact. A host that never
# acknowledges (debugfs fault injection: QEMU always acks) stalls the
# balloon without hanging the guest, it resumes when the ack comes, and
# unloading a stalled balloon still returns every page (after a device
# reset). Then 3 load/unload cycles with the balloon inflated.
import os
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import blcommon  # noqa: E402
from blcommon import MiB  # noqa: E402

TIMEOUT = 300
KERNELS = ["6.1", "6.12", "debug"]
QEMU = dict(memory="768M", devices=[blcommon.device(oom=True, report=False)])
LVOS = blcommon.LVOS
FILES = blcommon.FILES

GUEST = blcommon.HELPERS + r'''
F=/sys/kernel/debug/lvos_balloon/drop_acks
rmmod lvos_balloon
for p in reserve_mb=8 reserve_mb=70000 hyst_mb=5000 watch_ms=50 ack_timeout_ms=0 guest_interval_s=0 guest_step_mb=0; do
	vmtest_check "insmod $p refused" sh -c "! insmod /lib/lvos/lvos_balloon.ko $p"
	vmtest_check "insmod $p logged" sh -c "dmesg | grep -q 'lvos_balloon: $p: must be'"
done
vmtest_check "insmod huge=maybe refused" sh -c "! insmod /lib/lvos/lvos_balloon.ko huge=maybe"
vmtest_check "no directory left behind" test ! -e $B
vmtest_check "load" insmod /lib/lvos/lvos_balloon.ko
vmtest_check "bound" bl_take
# expect FILE VALUE ERRNO-TEXT: the write fails with that error and logs a line
expect() {
	_before=$(dmesg | grep -c "lvos_balloon: $1")
	_err=$( (echo "$2" > $B/$1) 2>&1 )
	vmtest_match "$1 <- '$2' rejected" "$_err" "$3"
	vmtest_check "$1 <- '$2' logged" test "$(dmesg | grep -c "lvos_balloon: $1")" -gt "$_before"
}
EINVAL="Invalid argument"
ERANGE="out of range|not representable"
expect reserve_mb abc "$EINVAL"
expect reserve_mb -1 "$EINVAL"
expect reserve_mb 8 "$ERANGE"
expect reserve_mb 99999999999 "$EINVAL"
expect hyst_mb 4097 "$ERANGE"
expect watch_ms 99 "$ERANGE"
expect ack_timeout_ms 600001 "$ERANGE"
expect huge 2 "$EINVAL"
expect guest_driven maybe "$EINVAL"
expect guest_keep_mb 1048577 "$ERANGE"
vmtest_check "read-only files refuse writes" sh -c "! echo 1 > $B/actual"
vmtest_eq "settings unchanged" "$(bl reserve_mb) $(bl hyst_mb) $(bl huge) $(bl guest_driven)" "32 16 1 0"

hog_start 64
k0=$(oom_kills)
vmtest_log ready-zero
vmtest_wait_host "^zero-settled " 60
vmtest_eq "all memory asked for: no OOM kill" "$(oom_kills)" "$k0"
vmtest_eq "refused at the floor" "$(bl refuse_reason)" floor
vmtest_log ready-flap
vmtest_wait_host "^flapped$" 90 >/dev/null
vmtest_eq "after the flapping: where the host stopped" "$(bl actual)" $(( 320 * 256 ))
hog_check "flapping"

# a host that never acknowledges
echo 500 > $B/ack_timeout_ms
echo 1 > $F
vmtest_log ready-stall
vmtest_wait_host "^asked$" 60 >/dev/null
vmtest_check "stalled" vmtest_wait_for 30 sh -c "test \"\$(cat $B/refuse_reason)\" = stalled"
vmtest_check "stall counted" test "$(bl stalls)" -ge 1
vmtest_check "logged" sh -c "dmesg | grep -q 'lvos_balloon: the host did not acknowledge a .* message of [0-9]* pages within 500 ms: balloon stalled'"
vmtest_check "the guest still runs" sh -c "pagefile-hog 16 >/dev/null"
echo 0 > $F
vmtest_check "resumes when the ack comes" vmtest_wait_for 30 sh -c "dmesg | grep -q 'the host acknowledged the stalled .* message: balloon resumes'"
vmtest_check "reaches the target" vmtest_wait_for 30 sh -c "test \$(cat $B/actual) -eq $(( 384 * 256 ))"
vmtest_check "nothing refused" vmtest_wait_for 30 sh -c "test \"\$(cat $B/refuse_reason)\" = none"
echo 1 > $F
vmtest_log ready-stall2
vmtest_wait_host "^asked2$" 60 >/dev/null
vmtest_check "stalled again" vmtest_wait_for 30 sh -c "test \"\$(cat $B/refuse_reason)\" = stalled"
vmtest_check "unload while stalled" rmmod lvos_balloon
vmtest_check "every page back after a reset" sh -c "dmesg | grep -q 'released: [0-9]* pages back to the guest (after a reset: the host had stopped answering)'"
vmtest_check "memory usable again" sh -c "pagefile-hog 400 >/dev/null"

i=0
while [ $i -lt 3 ]; do
	insmod /lib/lvos/lvos_balloon.ko || break
	bl_take || break
	vmtest_wait_for 30 sh -c "test \$(cat $B/actual) -eq $(( 256 * 256 ))" || break
	rmmod lvos_balloon || break
	i=$((i + 1))
done
vmtest_eq "3 load/unload cycles with the balloon inflated" "$i" 3
vmtest_check "final load" insmod /lib/lvos/lvos_balloon.ko
vmtest_check "final bind" bl_take
'''


def host(vm):
    q = vm.qmp_client
    vm.wait_line(r"# ready-zero$", timeout=200)
    q.balloon(1)            # QMP's smallest target: the whole guest
    mib, secs = blcommon.settle(q)
    print("# target 1 byte: settled at %d MiB after %.2f s" % (mib, secs))
    if secs > vm.limit(5.0):
        raise AssertionError("target 1 byte: settling took %.2f s (limit %.0f s)"
                             % (secs, vm.limit(5.0)))
    vm.send("zero-settled %d" % mib)
    vm.wait_line(r"# ready-flap$", timeout=120)
    for i in range(24):
        q.balloon((384 if i % 2 else 640) * MiB)
        time.sleep(0.03)
    blcommon.reach(q, 448)
    vm.send("flapped")
    vm.wait_line(r"# ready-stall$", timeout=120)
    q.balloon(384 * MiB)
    vm.send("asked")
    vm.wait_line(r"# ready-stall2$", timeout=120)
    q.balloon(512 * MiB)
    vm.send("asked2")
