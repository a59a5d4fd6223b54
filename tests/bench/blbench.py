# SPDX-License-Identifier: GPL-2.0-only
"""The lvos_balloon benchmark (run with tools/bench/balloon), one guest per
driver and host configuration, all of the same size, one after the other
in the same run. Each guest file sets its globals from make():

- rounds: the guest fills its page cache (700 MiB read from a disk, kept
  open), then the host sets the balloon target 1024 -> 256 MiB and back;
  the host times QMP "balloon" to query-balloon's actual reaching the
  target, and reads the QEMU process's Rss and AnonHugePages
  (/proc/<pid>/smaps_rollup) before and after. 3 rounds.
- overcommit: a workload holds all but 100 MiB of what is available (its
  data checked at the end) and the host asks for 128 MiB: the time until
  the balloon stops moving (5 s quiet; "never" after 60 s), where it ends,
  and OOM kills in the guest.

Results: bench.txt in the run directory (build/vmtest/<file>/<kernel>/).
"""
import os
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vm", "lib"))
import blcommon  # noqa: E402
from blcommon import MiB, smaps  # noqa: E402

ROUNDS = 3
MEM = 1024
LOW = 256
OVER = 128


def wait_target(q, mib, timeout=60.0):
    t0 = time.monotonic()
    while blcommon.actual_mib(q) != mib:
        if time.monotonic() - t0 > timeout:
            return -1.0
        time.sleep(0.005)
    return time.monotonic() - t0


def make(mode, oom=True, report=True, rounds=True, overcommit=True, params=""):
    """Globals of one bench guest. mode: stock (virtio_balloon) or lvos."""
    lvos = mode != "stock"
    g = dict(KERNELS=["6.1", "6.12"], TIMEOUT=900, FILES=blcommon.FILES,
             QEMU=dict(memory="%dM" % MEM, devices=[blcommon.device(oom=oom, report=report)],
                       disks=[dict(name="c", size="720M", format="raw")]),
             LVOS=blcommon.LVOS if lvos else [],
             MODULES=[] if lvos else ["virtio_balloon"])
    if lvos and params:
        g["LVOS_PARAMS"] = {"lvos_balloon": params}
    guest = blcommon.HELPERS + r'''
D=/dev/vda
exec 3< $D
'''
    if lvos:
        guest += 'vmtest_check "lvos_balloon has the device" bl_take\n'
    else:
        guest += 'vmtest_eq "virtio_balloon has the device" "$(bl_driver)" virtio_balloon\n'
    if rounds:
        guest += r'''
mount -t tmpfs -o size=800M tmpfs /mnt
for kind in free cache; do
	i=0
	while [ $i -lt @ROUNDS@ ]; do
		if [ $kind = free ]; then
			dd if=/dev/zero of=/mnt/x bs=1M count=700 2>/dev/null; rm /mnt/x
		else
			dd if=$D of=/dev/null bs=1M 2>/dev/null
		fi
		vmtest_log "ready round $kind $i"
		vmtest_wait_host "^done round $kind $i$" 120 >/dev/null
		i=$((i + 1))
	done
done
'''.replace("@ROUNDS@", str(ROUNDS))
    if overcommit:
        guest += r'''
exec 3<&-
k0=$(oom_kills)
ws=$(( $(avail_kb) / 1024 - 100 ))
rm -f /tmp/hog-go
pagefile-hog --wait-file /tmp/hog-go $ws > /tmp/hog.out 2>&1 &
HOG=$!
vmtest_wait_for 300 grep -q 'hog: ready' /tmp/hog.out
vmtest_log "ready overcommit ws=$ws"
vmtest_wait_host "^settled$" 120 >/dev/null
touch /tmp/hog-go
wait $HOG
vmtest_log "overcommit result kills=$(( $(oom_kills) - k0 )) hog=$(tail -n 1 /tmp/hog.out | tr ' ' ,)"
'''
    g["GUEST"] = guest

    def host(vm):
        q = vm.qmp_client
        out = open(os.path.join(vm.dir, "bench.txt"), "w")
        out.write("config %s kernel=%s oom=%d report=%d params=%s\n"
                  % (mode, vm.kernel, oom, report, params or "-"))
        for kind in ("free", "cache") if rounds else ():
            for i in range(ROUNDS):
                vm.wait_line(r"# ready round %s %d$" % (kind, i), timeout=300)
                time.sleep(3)           # free page reporting settles
                before = smaps(vm)
                q.balloon(LOW * MiB)
                t_in = wait_target(q, LOW)
                time.sleep(0.5)
                after = smaps(vm)
                q.balloon(MEM * MiB)
                t_out = wait_target(q, MEM)
                out.write("round %s %s in_s=%.3f out_s=%.3f rss_before=%d rss_after=%d "
                          "ahp_before=%d ahp_after=%d\n"
                          % (mode, kind, t_in, t_out, before["Rss"], after["Rss"],
                             before["AnonHugePages"], after["AnonHugePages"]))
                out.flush()
                vm.send("done round %s %d" % (kind, i))
        if overcommit:
            ws = int(vm.wait_line(r"# ready overcommit ws=(\d+)$", timeout=600).group(1))
            t0 = time.monotonic()
            last, changed, settled = -1, t0, -1.0
            try:
                q.balloon(OVER * MiB)
                last = blcommon.actual_mib(q)
                while time.monotonic() - changed < 5.0 and time.monotonic() - t0 < 60:
                    time.sleep(0.02)
                    a = blcommon.actual_mib(q)
                    if a != last:
                        last, changed = a, time.monotonic()
                settled = changed - t0 if time.monotonic() - changed >= 5.0 else -1.0
                vm.send("settled", timeout=10)
                m = vm.wait_line(r"# overcommit result kills=(\d+) hog=(\S*)$", timeout=600)
                kills, hog = m.group(1), "intact" if ",corrupt=0," in m.group(2) else "lost"
            except Exception:       # the OOM killer took the guest down
                con = vm.console_text()
                kills = str(con.count("Out of memory: Killed process"))
                hog = "guest-died" if "Attempted to kill init" in con else "killed"
            out.write("overcommit %s ws=%d target=%d settle_s=%.2f end=%d kills=%s hog=%s\n"
                      % (mode, ws, OVER, settled, last, kills, hog))
        out.close()

    g["host"] = host
    return g
