# SPDX-License-Identifier: GPL-2.0-only
"""The over-commit scenario shared by balloon-floor and balloon-pressure:
a workload holds most of the guest's memory and the host asks for far
less than that."""
import blcommon

TARGET = 128        # MiB: far below the working set

# hog_ws: start a hog holding all but 100 MiB of what is available
GUEST_FLOOR = r'''
T=/sys/kernel/debug/tracing
echo 1 > $T/events/lvos_balloon/lvos_balloon_refuse/enable
vmtest_check "balloon bound to lvos_balloon" bl_take
k0=$(oom_kills)
ws=$(( $(avail_kb) / 1024 - 100 ))
hog_start $ws
vmtest_log "working set $ws MiB, MemTotal $(( $(memtotal_kb) / 1024 )) MiB"
vmtest_log ready
settled=$(vmtest_wait_host "^settled " 60)
vmtest_log "host: $settled"
vmtest_eq "no OOM kill" "$(oom_kills)" "$k0"
vmtest_eq "the target is refused: floor" "$(bl refuse_reason)" floor
vmtest_check "refused pages shown" test "$(bl refused)" -gt 0
vmtest_eq "refused = target - actual" "$(bl refused)" "$(( $(bl target) - $(bl actual) ))"
vmtest_check "the balloon took what was above the floor" test "$(bl actual)" -gt 0
vmtest_check "floor covers the working set" test "$(bl floor)" -ge "$(( ws * 256 ))"
vmtest_check "balloon within the limit (+ hysteresis)" test "$(bl actual)" -le "$(( $(bl limit) + $(bl hyst_mb) * 256 ))"
vmtest_check "counted as a refusal" test "$(bl refusals)" -ge 1
vmtest_check "tracepoint: lvos_balloon_refuse reason=floor" sh -c "grep -q 'lvos_balloon_refuse: target=[0-9]* actual=[0-9]* floor=[0-9]* refused=[0-9]* reason=floor' $T/trace"
vmtest_check "logged" sh -c "dmesg | grep -q 'lvos_balloon: host target [0-9]* pages, balloon [0-9]*: [0-9]* refused (floor; floor [0-9]* of [0-9]* pages)'"
hog_check "over-commit"
vmtest_eq "still no OOM kill" "$(oom_kills)" "$k0"
'''


def host_floor(vm):
    """Ask for TARGET MiB; the balloon must settle (the floor) within 5 s
    nominal, scaled by the harness's rule (vm.limit)."""
    q = vm.qmp_client
    vm.wait_line(r"# ready$", timeout=300)
    q.balloon(TARGET * blcommon.MiB)
    mib, secs = blcommon.settle(q, quiet=3.0)
    print("# target %d MiB: settled at %d MiB after %.2f s" % (TARGET, mib, secs))
    vm.send("settled %d MiB after %.2f s" % (mib, secs))
    if mib <= TARGET:
        raise AssertionError("the balloon went to the target %d MiB below the working set"
                             % TARGET)
    if secs > vm.limit(5.0):
        raise AssertionError("settling took %.2f s (limit %.0f s)" % (secs, vm.limit(5.0)))
