# SPDX-License-Identifier: GPL-2.0-only
# lvos_balloon replaces virtio_balloon and back (rmmod/insmod as the README
# says; the debug kernel's built-in virtio_balloon through unbind/bind).
# Inflate and deflate to five targets with 64 MiB of checked data held:
# the guest reaches each target (the host sees it), in 2 MiB chunks, and
# without deflate-on-oom MemTotal follows the balloon. Stats reach the host
# (qom-get guest-stats). Single pages move under compaction. Unloading
# with the balloon inflated gives every page back; loading again takes
# the host's target again.
import os
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import blcommon  # noqa: E402
from blcommon import MiB  # noqa: E402

KERNELS = ["6.1", "6.12", "debug", "debug-6.12"]
TIMEOUT = 240
QEMU = dict(memory="768M", devices=[blcommon.device(oom=False, report=False)])
MODULES = ["virtio_balloon"]
LVOS = blcommon.LVOS
FILES = dict(blcommon.FILES, **{"/bin/lvos-frag": "tools/lvos-frag"})
MEM = 768
TARGETS = (640, 512, 704, 576, 768)

GUEST = blcommon.HELPERS + r'''
vmtest_eq "virtio_balloon has the device at boot" "$(bl_driver)" virtio_balloon
vmtest_eq "lvos waits" "$(bl device)" none
vmtest_check "and says why" sh -c "dmesg | grep -q 'lvos_balloon: no free virtio balloon: another driver (virtio_balloon?) has it'"
if [ -e /lib/modules/vmtest/virtio_balloon.ko ]; then
	# the README's switch: unload both, load lvos
	rmmod lvos_balloon
	vmtest_check "rmmod virtio_balloon" rmmod virtio_balloon
	vmtest_check "insmod lvos_balloon" insmod /lib/lvos/lvos_balloon.ko
else
	vmtest_check "unbind virtio_balloon, bind lvos_balloon" bl_take
fi
vmtest_eq "lvos_balloon has the device" "$(bl_driver)" lvos_balloon
vmtest_eq "sysfs names it" "$(bl device)" "$(bl_dev)"
vmtest_eq "features: stats only" "$(bl features)" stats
mt0=$(memtotal_kb)
hog_start 64
vmtest_log "memtotal-kb $mt0"
for t in ''' + " ".join(str(t) for t in TARGETS) + r'''; do
	vmtest_log "ready $t"
	vmtest_wait_host "^at $t$" 60 >/dev/null
	want=$(( (768 - t) * 256 ))
	vmtest_eq "$t MiB: balloon pages" "$(bl actual)" "$want"
	vmtest_eq "$t MiB: chunks and pages add up" "$(( $(bl chunks) * 512 + $(bl pages) ))" "$want"
	vmtest_eq "$t MiB: MemTotal follows (no deflate-on-oom)" "$(memtotal_kb)" "$(( mt0 - want * 4 ))"
	vmtest_eq "$t MiB: nothing refused" "$(bl refuse_reason) $(bl refused)" "none 0"
	[ $t -lt 768 ] && vmtest_eq "$t MiB: all in 2 MiB chunks" "$(bl pages)" 0
done
hog_check "5 targets"
vmtest_check "deflates counted as the host's" test "$(cat $B/deflated/host)" -gt 0
vmtest_eq "no pressure deflates" "$(cat $B/deflated/pressure)$(cat $B/deflated/reclaim)$(cat $B/deflated/oom)" 000
vmtest_eq "no stalls" "$(bl stalls)" 0
vmtest_eq "inflated through the inflate queue" "$(bl chunks_reported)" 0
vmtest_log stats
vmtest_wait_host "^stats-ok$" 60 >/dev/null

# compaction moves single pages. Compaction only moves pages into
# pageblocks that are partly in use (a wholly free pageblock is no
# target), and it stops where its two scanners meet: a balloon inflated
# into free memory sits in whole pageblocks that compaction may never
# touch (seen: 0 migrated, once in ~100 runs). So fragment first:
# lvos-frag gives back every other page of 160 MiB, the balloon's single
# pages fill those holes, then lvos-frag frees the rest, leaving 80 MiB of
# pageblocks half balloon, half free. A pass can still end early (seen:
# 476 and 9943 in two runs on 6.12): up to three passes.
echo 0 > $B/huge
lvos-frag 160 /tmp/frag-go > /tmp/frag.out 2>&1 &
frag=$!
vmtest_wait_for 120 grep -q 'frag: ready' /tmp/frag.out
vmtest_log "ready 576"
vmtest_wait_host "^at 576$" 60 >/dev/null
vmtest_eq "single pages only" "$(bl chunks) $(bl pages)" "0 49152"
touch /tmp/frag-go
wait $frag
vmtest_eq "fragmenter done" "$? $(tail -n 1 /tmp/frag.out)" "0 frag: ready: 20480 pages held, 20480 given back"
for pass in 1 2 3; do
	echo 1 > /proc/sys/vm/compact_memory
	vmtest_log "compaction pass $pass: $(bl migrated) balloon pages migrated"
	[ "$(bl migrated)" -gt 0 ] && break
done
vmtest_check "compaction migrated balloon pages" test "$(bl migrated)" -gt 0
vmtest_eq "still 49152 pages after compaction" "$(bl actual)" 49152
echo 1 > $B/huge

vmtest_log "ready 512"
vmtest_wait_host "^at 512$" 60 >/dev/null
vmtest_check "rmmod with the balloon inflated" rmmod lvos_balloon
vmtest_eq "every page back: MemTotal" "$(memtotal_kb)" "$mt0"
vmtest_check "said so" sh -c "dmesg | grep -q 'released: 65536 pages back to the guest$'"
vmtest_log unloaded
vmtest_wait_host "^seen-unload$" 60 >/dev/null
vmtest_check "insmod again" insmod /lib/lvos/lvos_balloon.ko
vmtest_check "takes the host's target again" vmtest_wait_for 30 sh -c "test \$(cat $B/actual) -eq 65536"
vmtest_log "ready 768"
vmtest_wait_host "^at 768$" 60 >/dev/null
vmtest_eq "MemTotal back" "$(memtotal_kb)" "$mt0"
if [ -e /lib/modules/vmtest/virtio_balloon.ko ]; then
	# and back to the stock driver
	rmmod lvos_balloon
	vmtest_check "back to virtio_balloon" insmod /lib/modules/vmtest/virtio_balloon.ko
	vmtest_eq "virtio_balloon has the device" "$(bl_driver)" virtio_balloon
	rmmod virtio_balloon
	insmod /lib/lvos/lvos_balloon.ko
fi
'''


def host(vm):
    q = vm.qmp_client
    memtotal = int(vm.wait_line(r"# memtotal-kb (\d+)$", timeout=150).group(1))
    for t in TARGETS:
        vm.wait_line(r"# ready %d$" % t, timeout=120)
        s = blcommon.reach(q, t)
        print("# %d MiB reached in %.2f s" % (t, s))
        vm.send("at %d" % t)
    vm.wait_line(r"# stats$", timeout=120)
    q.qom_set(blcommon.QOM, "guest-stats-polling-interval", 1)
    t0 = time.monotonic()
    while True:
        st = q.qom_get(blcommon.QOM, "guest-stats")
        if st.get("last-update") and st["stats"].get("stat-total-memory", -1) > 0:
            break
        if time.monotonic() - t0 > 20:
            raise AssertionError("no guest stats reached the host: %r" % st)
        time.sleep(0.2)
    s = st["stats"]
    print("# guest-stats: %r" % s)
    if s["stat-total-memory"] != memtotal * 1024:
        raise AssertionError("stat-total-memory %d, guest MemTotal %d kB"
                             % (s["stat-total-memory"], memtotal))
    for k in ("stat-free-memory", "stat-available-memory", "stat-disk-caches",
              "stat-minor-faults"):
        if s.get(k, -1) <= 0:
            raise AssertionError("%s missing or 0: %r" % (k, s))
    if s["stat-available-memory"] > s["stat-total-memory"]:
        raise AssertionError("available above total: %r" % s)
    vm.send("stats-ok")
    for t in (576, 512):
        vm.wait_line(r"# ready %d$" % t, timeout=120)
        blcommon.reach(q, t)
        vm.send("at %d" % t)
    vm.wait_line(r"# unloaded$", timeout=120)
    a = blcommon.actual_mib(q)
    if a != MEM:
        raise AssertionError("after the unload the host still sees %d MiB" % a)
    vm.send("seen-unload")
    vm.wait_line(r"# ready %d$" % MEM, timeout=120)
    blcommon.reach(q, MEM)
    vm.send("at %d" % MEM)
