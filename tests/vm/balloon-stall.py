# SPDX-License-Identifier: GPL-2.0-only
# A host that stops acknowledging (debugfs fault injection drop_acks: QEMU
# always acks) while the guest needs its memory back, with ack_timeout_ms
# at 60 s:
# - a workload that grows past what is left gets the balloon's pages at
#   once: a deflate the guest needs (working set, shrinker, OOM notifier)
#   waits 10 ms for the host, not ack_timeout_ms, and QEMU does not ask
#   for must-tell-host, so the pages go back before the ack (and, while
#   the host still holds that message, the next ones go unannounced,
#   counted). Nobody is OOM killed and the data is intact. (Before: the deflate waited 60 s
#   holding the balloon's lock, then kept its pages in limbo; the OOM
#   notifier could not take the lock: the workload was OOM killed.)
# - a stalled inflate does not block deflates: each queue has its own
#   buffer.
# - compaction migrating a balloon page announces the old page on the
#   deflate queue even when the host does not acknowledge the new one
#   (before: the old page went back unannounced).
# Then the acks come, the balloon resumes and returns to the host's target.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import blcommon  # noqa: E402

KERNELS = ["6.1", "6.12", "debug"]
TIMEOUT = 300
QEMU = dict(memory="768M", devices=[blcommon.device(oom=True, report=False)])
LVOS = blcommon.LVOS
FILES = dict(blcommon.FILES, **{"/bin/lvos-frag": "tools/lvos-frag"})

GUEST = blcommon.HELPERS + r'''
T=/sys/kernel/debug/tracing
F=/sys/kernel/debug/lvos_balloon/drop_acks
msgs() { grep -c "lvos_balloon_message: queue=$1 pages=$2 acked=$3" $T/trace; }
vmtest_check "bound" bl_take
vmtest_eq "features" "$(bl features)" "stats deflate-on-oom"
vmtest_eq "shrinker opt-in: off by default" "$(bl shrinker)" 0
echo 1 > $T/events/lvos_balloon/lvos_balloon_message/enable
k0=$(oom_kills)
vmtest_log ready-inflate
vmtest_wait_host "^inflated$" 60 >/dev/null
b0=$(bl actual)
vmtest_eq "balloon at the host's target" "$b0" "$(bl target)"

# 1. the host stops answering; the guest needs memory
echo 60000 > $B/ack_timeout_ms
echo 1 > $F
bl_grow_past 48
vmtest_check "the balloon gave way although the host never acked" test "$DEFLATED" -ge $(( 48 * 256 ))
vmtest_check "the deflate went to the host unacknowledged" test "$(msgs deflate '[0-9]*' 0)" -ge 1
vmtest_eq "the shrinker did nothing (off)" "$(cat $B/deflated/reclaim)" 0
vmtest_check "stall counted" test "$(bl stalls)" -ge 1
vmtest_log "unannounced: $(bl unannounced) pages"
echo 10000 > $B/ack_timeout_ms
echo 0 > $F
vmtest_check "the ack comes: the deflate queue resumes" vmtest_wait_for 30 sh -c \
	"dmesg | grep -q 'the host acknowledged the stalled deflate message: balloon resumes'"
vmtest_check "back at the host's target after the hold-off" vmtest_wait_for 60 sh -c "test \$(cat $B/actual) -eq $b0"

# 2. a stalled inflate does not hold up a deflate
echo 300 > $B/ack_timeout_ms
echo 1 > $F
vmtest_log ready-stall-inflate
vmtest_wait_host "^asked-more$" 60 >/dev/null
vmtest_check "inflate stalled" vmtest_wait_for 30 sh -c "test \"\$(cat $B/refuse_reason)\" = stalled"
i0=$(msgs inflate '[0-9]*' 0)
vmtest_check "an unacknowledged inflate message" test "$i0" -ge 1
d0=$(grep -c 'lvos_balloon_message: queue=deflate' $T/trace)
vmtest_log ready-deflate
vmtest_wait_host "^asked-less$" 60 >/dev/null
vmtest_check "the deflate is sent although the inflate is outstanding" \
	vmtest_wait_for 30 sh -c "test \$(grep -c 'lvos_balloon_message: queue=deflate' $T/trace) -gt $d0"
echo 0 > $F
vmtest_check "both queues resume" vmtest_wait_for 30 sh -c "test \"\$(cat $B/refuse_reason)\" = none"

# 3. compaction while the host does not ack: single pages, fragmented
# memory (as in balloon-basic), then compaction with acks dropped
echo 10000 > $B/ack_timeout_ms
echo 0 > $B/huge
vmtest_log ready-empty
vmtest_wait_host "^empty$" 60 >/dev/null
lvos-frag 160 /tmp/frag-go > /tmp/frag.out 2>&1 &
frag=$!
vmtest_wait_for 120 grep -q 'frag: ready' /tmp/frag.out
vmtest_log ready-single
vmtest_wait_host "^single$" 60 >/dev/null
vmtest_eq "single pages only" "$(bl chunks)" 0
touch /tmp/frag-go
wait $frag
vmtest_eq "fragmenter done" "$? $(tail -n 1 /tmp/frag.out)" "0 frag: ready: 20480 pages held, 20480 given back"
# Compaction moves pages only into free pages of partly used movable
# pageblocks: a second fragmenter, held through the passes, makes sure
# there are some wherever the first one's memory was.
lvos-frag 64 /tmp/frag2-go > /tmp/frag2.out 2>&1 &
frag2=$!
vmtest_check "second fragmenter ready" vmtest_wait_for 120 grep -q 'frag: ready' /tmp/frag2.out
# Any message sent once acks are dropped stalls its queue, and a stalled
# queue refuses every migration: settle first, exactly (the host's "at
# 576 MiB" is query-balloon's actual in whole MiB).
vmtest_check "settled at the host's target, nothing outstanding" vmtest_wait_for 30 sh -c \
	"test \$(cat $B/actual) -eq \$(cat $B/target) && test \"\$(cat $B/refuse_reason)\" = none"
a0=$(bl actual)
m0=$(bl migrated)
s0=$(bl stalls)
echo 300 > $B/ack_timeout_ms
echo 1 > $F
for pass in 1 2 3; do
	echo 1 > /proc/sys/vm/compact_memory
	vmtest_log "compaction pass $pass: $(( $(bl migrated) - m0 )) balloon pages migrated, $(( $(bl stalls) - s0 )) stalls, $(grep -E '^(compact_isolated|balloon_migrate) ' /proc/vmstat | tr '\n' ' ')"
	[ "$(bl migrated)" -gt "$m0" ] && break
done
touch /tmp/frag2-go
wait $frag2
vmtest_check "compaction migrated a balloon page" test "$(bl migrated)" -gt "$m0"
vmtest_check "the new page went to the host (unacknowledged)" test "$(msgs inflate 1 0)" -ge 1
vmtest_check "the old page was announced on the deflate queue" test "$(msgs deflate 1 '[01]')" -ge 1
echo 0 > $F
echo 10000 > $B/ack_timeout_ms
echo 1 > $B/huge
vmtest_check "resumes" vmtest_wait_for 30 sh -c "test \"\$(cat $B/refuse_reason)\" = none"
vmtest_eq "the balloon kept its size through the migration" "$(bl actual)" "$a0"
vmtest_eq "still no OOM kill" "$(oom_kills)" "$k0"
'''


def host(vm):
    blcommon.answer(vm, "ready-inflate", 512, "inflated")
    # the guest does not get there: acks are dropped
    blcommon.answer(vm, "ready-stall-inflate", 448, "asked-more", wait=120, arrive=False)
    blcommon.answer(vm, "ready-deflate", 640, "asked-less", arrive=False)
    blcommon.answer(vm, "ready-empty", 768, "empty", wait=120)
    blcommon.answer(vm, "ready-single", 576, "single", wait=120)
