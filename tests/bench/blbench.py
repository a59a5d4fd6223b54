# SPDX-License-Identifier: GPL-2.0-only
"""The lvos_balloon benchmark (run with tools/bench/balloon), one guest per
driver and host configuration, all of the same size, one after the other
in the same run. Each guest file sets its globals from make():

- rounds: the host sets the balloon target 1024 -> 256 MiB and back,
  timing QMP "balloon" to query-balloon's actual reaching the target, and
  reads the QEMU process's Rss and AnonHugePages (/proc/<pid>/smaps_rollup)
  before and after. 3 rounds per scenario (KINDS), the guest's memory
  prepared the same way for every driver:
  free   700 MiB written to tmpfs and removed; the host asks 3 s later, so
         free page reporting (when offered) has already returned it;
  fresh  the same, but the host asks 1 s after the guest freed it: not yet
         reported (the reporting delay is 2 s), still resident on the host;
  cache  700 MiB of page cache (read from a disk, kept open).
  lvos guests also record the lvos_balloon tracepoints (file "trace").
- overcommit: a workload holds all but 100 MiB of what is available (its
  data checked at the end) and the host asks for 128 MiB: the time until
  the balloon stops moving (5 s quiet; "never" after 60 s), where it ends,
  and OOM kills in the guest.

Results: bench.txt in the run directory (build/vmtest/<file>/<kernel>/).
"""
import os
import signal
import subprocess
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


KINDS = ("free", "fresh", "cache")
WAIT = {"free": 3.0, "fresh": 1.0, "cache": 3.0}


def make(mode, oom=True, report=True, rounds=True, overcommit=True, params="", kinds=KINDS):
    """Globals of one bench guest. mode: stock (virtio_balloon) or lvos.
    BLBENCH_KINDS (space-separated) narrows kinds for a quick run;
    BLBENCH_WAIT_<KIND> (seconds) overrides WAIT and BLBENCH_APPEND adds
    to the kernel command line, for analysis."""
    lvos = mode != "stock"
    only = os.environ.get("BLBENCH_KINDS", "").split()
    kinds = [k for k in kinds if not only or k in only]
    rounds = rounds and bool(kinds)
    overcommit = overcommit and os.environ.get("BLBENCH_OVERCOMMIT", "1") != "0"
    perf = os.environ.get("BLBENCH_PERF", "")
    g = dict(KERNELS=["6.1", "6.12"], TIMEOUT=900, FILES=blcommon.FILES,
             QEMU=dict(memory="%dM" % MEM, devices=[blcommon.device(oom=oom, report=report)],
                       disks=[dict(name="c", size="720M", format="raw")]),
             LVOS=blcommon.LVOS if lvos else [],
             MODULES=[] if lvos else ["virtio_balloon"])
    if os.environ.get("BLBENCH_APPEND"):     # analysis only, e.g. init_on_alloc=0
        g["APPEND"] = os.environ["BLBENCH_APPEND"]
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
    if rounds and lvos:
        guest += r'''
T=/sys/kernel/tracing
mount -t tracefs nodev $T 2>/dev/null
echo 4096 > $T/buffer_size_kb
echo 1 > $T/events/lvos_balloon/enable
tmark() { echo "$*" > $T/trace_marker; }
tcount() {
	tmark "counters: chunk_fallbacks=$(bl chunk_fallbacks) chunks_reported=$(bl chunks_reported)" \
		"reports=$(bl reports) reported_pages=$(bl reported_pages) stalls=$(bl stalls)"
}
'''
    elif rounds:
        guest += "tmark() { :; }\ntcount() { :; }\n"
    if rounds:
        guest += r'''
mount -t tmpfs -o size=800M tmpfs /mnt
for kind in @KINDS@; do
	i=0
	while [ $i -lt @ROUNDS@ ]; do
		if [ $kind = cache ]; then
			dd if=$D of=/dev/null bs=1M 2>/dev/null
		else
			dd if=/dev/zero of=/mnt/x bs=1M count=700 2>/dev/null; rm /mnt/x
		fi
		tmark "round $kind $i"
		vmtest_log "ready round $kind $i"
		vmtest_wait_host "^done round $kind $i$" 120 >/dev/null
		tcount
		i=$((i + 1))
	done
done
'''.replace("@ROUNDS@", str(ROUNDS)).replace("@KINDS@", " ".join(kinds))
        if lvos:
            guest += 'vmtest_send_file trace $T/trace\n'

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
        for kind in kinds if rounds else ():
            for i in range(ROUNDS):
                vm.wait_line(r"# ready round %s %d$" % (kind, i), timeout=300)
                time.sleep(float(os.environ.get("BLBENCH_WAIT_" + kind.upper(), WAIT[kind])))
                before = smaps(vm)
                if perf:        # analysis only: what QEMU does (syscalls, CPU)
                    pf = subprocess.Popen(["perf", "stat", "-x,", "-o",
                                           os.path.join(vm.dir, "perf-%s-%d" % (kind, i)),
                                           "-e", perf, "-p", str(vm.proc.pid)])
                    time.sleep(0.5)
                q.balloon(LOW * MiB)
                t_in = wait_target(q, LOW)
                if perf:
                    pf.send_signal(signal.SIGINT)
                    pf.wait()
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
