# SPDX-License-Identifier: GPL-2.0-only
# Benchmark (not a test): one leg of the net-pv benchmark, two guests
# talking over one kind of link. Run with tools/bench/netpv, which runs the
# legs one after the other, interleaved, several times.
#
# A guest has one link type, so each leg is its own boot of its own guest
# pair (the same QEMU, kernel, vCPUs and memory); the leg comes from the
# environment (NETPV_LEG):
#   b0        LINK = "net": virtio-net over -netdev socket,udp= (no vnet_hdr:
#             no checksum offload, no TSO; every frame a UDP datagram)
#   b1        LINK = "tap": virtio-net over vnet_hdr taps on a bridge in a
#             private netns (offloads, 64 KiB GSO frames), vhost off,
#             LINK_QUEUES = NETPV_QUEUES
#   plain     lvos_netpv's netpv0 over ivshmem-plain (polling); the guests
#             get lvos_netpv.slot=<index> on the kernel command line
#   doorbell  netpv0 over ivshmem-doorbell (slot = IVPosition), the
#             harness's ivshmem server, 1 + NETPV_QUEUES vectors
# The netpv legs need build/ko/<release>/lvos_netpv.ko (insmod-ed by the
# harness: LVOS) and the harness's SHM dict (a formatted region); the
# driver runs them only when both are there.
#
# host() drives both guests through a command loop, metric by metric:
# guest a serves (one-shot netpv-blast receivers it waits for without
# polling), guest b sends; per metric it takes the QEMU processes'
# utime+stime (/proc/PID/stat) before and after, and each guest records
# its /proc/stat and interface byte counters right around its side.
# Metrics (NETPV_METRICS, default all, in this order): idle, then - if any
# traffic metric is chosen - a 2 s warm-up (not recorded) and memcpy
# calibration in each guest (one after the other), then TCP bulk 1 and 2
# streams (tcp1, tcp2), 64-byte UDP (udp), TCP request/response (rr);
# NETPV_SECS (default 10) seconds each. idle: the link up (carrier) and no
# traffic, IDLE_SETTLE s to settle (plain mode polls every 10 ms after 1 s
# idle), then both guests sleep NETPV_IDLE_SECS (default 20) between two
# /proc/stat + /proc/uptime snapshots while the host takes the QEMU
# processes' CPU time over a window of the same length (started and ended
# a little earlier: no command traffic falls into either window). Results:
# bench.jsonl in the run directory, one JSON object per line.
import json
import os
import time

LEG = os.environ.get("NETPV_LEG", "b1")
SECS = int(os.environ.get("NETPV_SECS", "10"))
QUEUES = int(os.environ.get("NETPV_QUEUES", "2"))
IDLE_SECS = int(os.environ.get("NETPV_IDLE_SECS", "20"))
IDLE_SETTLE = 5
LEGS = ("b0", "b1", "plain", "doorbell")
TRAFFIC = ("tcp1", "tcp2", "udp", "rr")
METRICS = tuple(os.environ.get("NETPV_METRICS", "idle " + " ".join(TRAFFIC)).split())
if LEG not in LEGS:
    raise ValueError("NETPV_LEG must be one of %s, not %r" % (", ".join(LEGS), LEG))
if not METRICS or set(METRICS) - {"idle", *TRAFFIC}:
    raise ValueError("NETPV_METRICS must be some of idle %s, not %r"
                     % (" ".join(TRAFFIC), " ".join(METRICS)))
if not 1 <= SECS <= 600 or not 1 <= QUEUES <= 8 or not 1 <= IDLE_SECS <= 600:
    raise ValueError("NETPV_SECS and NETPV_IDLE_SECS must be 1..600 and NETPV_QUEUES 1..8")

KERNELS = ["6.1", "6.12"]
TIMEOUT = 300 + 8 * SECS + IDLE_SETTLE + IDLE_SECS
QEMU = dict(memory="512M", smp="2")
FILES = {"/bin/netpv-blast": "tools/netpv-blast"}
# The region of the netpv legs: P=2 peers, Q queues, 1024 descriptors and a
# 512 KiB arena per channel: 2*2*Q channels of 548 KiB (4.3 MiB for Q=2).
SHM_FORMAT = dict(peers=2, queues=QUEUES, entries=1024, arena=512 * 1024, name="netpv-bench")

if LEG == "b0":
    LINK = "net"
elif LEG == "b1":
    LINK = "tap"
    LINK_QUEUES = QUEUES
else:
    LVOS = ["lvos_netpv"]
    if LEG == "plain":
        SHM = dict(size="8M", doorbell=False, format=SHM_FORMAT)
    else:
        SHM = dict(size="8M", doorbell=True, vectors=1 + QUEUES, format=SHM_FORMAT)
IFACE, NET = ("eth0", "10.0.0") if LEG in ("b0", "b1") else ("netpv0", "10.1.0")

GUEST = r'''
IF=%(iface)s
# Plain regions: the slot is lvos_netpv.slot= on the kernel command line;
# insmod (the harness's loader) does not read the command line as modprobe
# does, so a module that came up without it is loaded again with it.
want=$(sed -n 's/.*lvos_netpv\.slot=\([0-9]*\).*/\1/p' /proc/cmdline)
if [ -n "$want" ] && [ "$(cat /sys/module/lvos_netpv/parameters/slot 2>/dev/null)" != "$want" ]; then
	vmtest_check "lvos_netpv reloaded with slot=$want" sh -c \
		"rmmod lvos_netpv && insmod /lib/lvos/lvos_netpv.ko slot=$want"
fi
me=%(net)s.$((LVOS_GUEST_INDEX + 1))
peer=%(net)s.1
SYS=/sys/class/net/$IF/statistics
vmtest_check "$IF exists" test -d /sys/class/net/$IF
# IPv4 only: no router solicitations, DAD or MLD reports on the link (the
# idle metric wants a link with no traffic at all)
vmtest_check "$IF without IPv6" sh -c "echo 1 >/proc/sys/net/ipv6/conf/$IF/disable_ipv6"
vmtest_check "$IF up as $me" sh -c "ip addr add $me/24 dev $IF && ip link set $IF up"
vmtest_check "$IF has carrier" vmtest_wait_for 120 grep -qx 1 /sys/class/net/$IF/carrier
vmtest_log "features $(netpv-blast features $IF)"

# S = cpu fields of /proc/stat, then the interface's rx and tx bytes,
# then /proc/uptime in centiseconds, comma-separated; builtins only (no
# fork inside a measured window)
snap() {
	read -r _c u n s i w q sq st _r </proc/stat
	read -r rx <$SYS/rx_bytes
	read -r tx <$SYS/tx_bytes
	read -r up _r </proc/uptime
	S=$u,$n,$s,$i,$w,$q,$sq,$st,$rx,$tx,${up%%.*}${up#*.}
}

# idle SETTLE SECS (both guests): no traffic; snapshots around SECS s of
# sleep, SETTLE s after the command
idle() {
	sleep $1
	snap
	pre=$S
	sleep $2
	snap
	vmtest_log "stat idle $pre $S"
}

# serve METRIC SECS (guest a): a one-shot receiver; waits for it to end
serve() {
	case $1 in
	warm|tcp1) set -- $1 tcp-recv 5201 300 1 ;;
	tcp2) set -- $1 tcp-recv 5201 300 2 ;;
	udp) set -- $1 udp-recv 5202 $2 ;;
	rr) set -- $1 rr-server 5203 300 1 ;;
	*) vmtest_fail "serve $1" "unknown metric"; return ;;
	esac
	m=$1
	shift
	: >/tmp/srv.err
	netpv-blast "$@" >/tmp/srv.out 2>/tmp/srv.err &
	pid=$!
	vmtest_wait_for 30 grep -q "listening on port" /tmp/srv.err
	vmtest_log "ready $m"
	snap
	pre=$S
	wait $pid
	rc=$?
	snap
	vmtest_log "stat a $m $pre $S"
	while read -r l; do vmtest_log "srvresult $l"; done </tmp/srv.out
	[ $rc = 0 ] || cat /tmp/srv.err
	vmtest_log "served $m rc=$rc"
}

# run METRIC SECS (guest b): the sending side
run() {
	case $1 in
	warm|tcp1) set -- $1 tcp-send $peer 5201 $2 1 ;;
	tcp2) set -- $1 tcp-send $peer 5201 $2 2 ;;
	udp) set -- $1 udp-send $peer 5202 $2 64 ;;
	rr) set -- $1 rr $peer 5203 $2 ;;
	*) vmtest_fail "run $1" "unknown metric"; return ;;
	esac
	m=$1
	shift
	snap
	pre=$S
	netpv-blast "$@" >/tmp/cli.out 2>/tmp/cli.err
	rc=$?
	snap
	vmtest_log "stat b $m $pre $S"
	[ $rc = 0 ] || cat /tmp/cli.err
	vmtest_log "ran $m rc=$rc $(cat /tmp/cli.out)"
}

while :; do
	cmd=$(vmtest_wait_host '^(serve|run|idle|memcpy|end)( |$)' 3600) || {
		vmtest_fail "host command" "none within 3600 s"
		break
	}
	set -- $cmd
	case $1 in
	end) break ;;
	memcpy) vmtest_log "memcpy $(netpv-blast memcpy 64)" ;;
	idle) idle $2 $3 ;;
	serve) serve $2 $3 ;;
	run) run $2 $3 ;;
	esac
done
vmtest_ok "benchmark commands done"
''' % dict(iface=IFACE, net=NET)

GUESTS = [dict(name="a"), dict(name="b")]
if LEG == "plain":
    GUESTS = [dict(name="a", APPEND="lvos_netpv.slot=0"), dict(name="b", APPEND="lvos_netpv.slot=1")]

VCPUS = int(QEMU["smp"])
CLK_TCK = os.sysconf("SC_CLK_TCK")


def _qemu_cpu(vm):
    """utime + stime of the QEMU process, seconds."""
    with open("/proc/%d/stat" % vm.proc.pid) as f:
        w = f.read().rsplit(")", 1)[1].split()
    return (int(w[11]) + int(w[12])) / CLK_TCK


def _host_busy():
    """All CPUs of the host: busy seconds (everything but idle and iowait)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return (sum(v) - v[3] - v[4]) / CLK_TCK


def _stat(s):
    """A guest's snap(): busy (all but idle and iowait), all and idle+iowait
    seconds of /proc/stat, uptime seconds, interface bytes."""
    v = [int(x) for x in s.split(",")]
    return dict(busy=(sum(v[:8]) - v[3] - v[4]) / 100.0, all=sum(v[:8]) / 100.0,
                idle=(v[3] + v[4]) / 100.0, up=v[10] / 100.0, rx=v[8], tx=v[9])


def _stat_delta(guest, s0, s1):
    """Two snap()s of one guest -> (CPU field deltas, interface byte deltas
    as GUEST_rx and GUEST_tx)."""
    a, b = _stat(s0), _stat(s1)
    cpu = {k: round(b[k] - a[k], 3) for k in ("busy", "all", "idle", "up")}
    return cpu, {"%s_%s" % (guest, k): b[k] - a[k] for k in ("rx", "tx")}


def _host_snap(vms):
    """utime+stime of each QEMU process, the whole host's busy seconds, now."""
    return {vm.name: _qemu_cpu(vm) for vm in vms}, _host_busy(), time.monotonic()


def _host_delta(s0, s1):
    """Two _host_snap()s -> the record fields qemu_cpu, host_busy, wall."""
    (h0, hb0, t0), (h1, hb1, t1) = s0, s1
    return dict(qemu_cpu={k: round(h1[k] - h0[k], 3) for k in h0},
                host_busy=round(hb1 - hb0, 3), wall=round(t1 - t0, 3))


def _others(vms):
    """QEMU processes on the host besides this run's: a busy host skews
    every figure (TCG is CPU-bound)."""
    ours = {vm.proc.pid for vm in vms}
    n = 0
    for p in os.listdir("/proc"):
        if p.isdigit() and int(p) not in ours:
            try:
                with open("/proc/%s/comm" % p) as f:
                    n += f.read().startswith("qemu-system")
            except OSError:
                pass
    return n


def _load():
    with open("/proc/loadavg") as f:
        return f.read().split()[:3]


def _kv(line):
    return {k: v for k, v in (x.split("=", 1) for x in line.split() if "=" in x)}


def host(vms):
    a, b = vms["a"], vms["b"]
    out = open(os.path.join(vms.dir, "bench.jsonl"), "w")

    def emit(**kw):
        out.write(json.dumps(kw, sort_keys=True) + "\n")
        out.flush()

    # MTTCG (one host thread per vCPU) or one thread for all vCPUs
    threads = {vm.name: sorted({c["thread-id"] for c in vm.qmp("query-cpus-fast")})
               for vm in vms}
    emit(kind="config", leg=LEG, secs=SECS, queues=QUEUES, kernel=a.kernel, release=a.release,
         metrics=list(METRICS), idle_secs=IDLE_SECS, idle_settle=IDLE_SETTLE, iface=IFACE,
         loadavg=_load(), other_qemu=_others(vms), vcpu_threads=threads, time=time.time())
    for vm in vms:
        m = vm.wait_line(r"^# features result (.*)$", vm.limit(120))
        emit(kind="features", guest=vm.name, **_kv(m.group(1)))

    def metric(name, secs):
        a.send("serve %s %d" % (name, secs))
        a.wait_line(r"^# ready %s$" % name, a.limit(60))
        tap0 = vms.tapnet.stats() if vms.tapnet else None
        hs0 = _host_snap(vms)
        b.send("run %s %d" % (name, secs))
        sb = b.wait_line(r"^# stat b %s (\S+) (\S+)$" % name, b.limit(secs + 120))
        ran = b.wait_line(r"^# ran %s rc=(\d+) ?(.*)$" % name, b.limit(60))
        hs1 = _host_snap(vms)
        tap1 = vms.tapnet.stats() if vms.tapnet else None
        sa = a.wait_line(r"^# stat a %s (\S+) (\S+)$" % name, a.limit(secs + 120))
        srv = []
        while True:
            m = a.wait_line(r"^# (srvresult (.*)|served %s rc=(\d+))$" % name, a.limit(60))
            if m.group(2) is not None:
                srv.append(_kv(m.group(2)))
            else:
                srv_rc = int(m.group(3))
                break
        if name == "warm":
            return
        ga, ia = _stat_delta("a", sa.group(1), sa.group(2))
        gb, ib = _stat_delta("b", sb.group(1), sb.group(2))
        rec = dict(kind="metric", metric=name, rc=int(ran.group(1)), srv_rc=srv_rc,
                   sender=_kv(ran.group(2)), receiver=srv,
                   guest_cpu=dict(a=ga["busy"], b=gb["busy"]), iface_bytes=dict(ia, **ib),
                   **_host_delta(hs0, hs1))
        if tap0:
            rec["tap_bytes"] = {t: dict(rx=tap1[t]["rx_bytes"] - tap0[t]["rx_bytes"],
                                        tx=tap1[t]["tx_bytes"] - tap0[t]["tx_bytes"])
                                for t in tap0}
        emit(**rec)

    def idle():
        """Both guests idle: QEMU CPU over IDLE_SECS on the host, /proc/stat
        over IDLE_SECS in each guest; the guests' windows start when their
        command arrives + IDLE_SETTLE, the host's when it sent them +
        IDLE_SETTLE."""
        for vm in vms:
            vm.send("idle %d %d" % (IDLE_SETTLE, IDLE_SECS))
        time.sleep(IDLE_SETTLE)
        hs0 = _host_snap(vms)
        time.sleep(IDLE_SECS)
        hs1 = _host_snap(vms)
        guest, iface = {}, {}
        for vm in vms:
            m = vm.wait_line(r"^# stat idle (\S+) (\S+)$", vm.limit(60))
            guest[vm.name], i = _stat_delta(vm.name, m.group(1), m.group(2))
            iface.update(i)
        emit(kind="idle", settle=IDLE_SETTLE, secs=IDLE_SECS, vcpus=VCPUS, guest_cpu=guest,
             iface_bytes=iface, **_host_delta(hs0, hs1))

    if "idle" in METRICS:
        idle()
    traffic = [name for name in METRICS if name in TRAFFIC]
    if traffic:
        metric("warm", 2)
        for vm in vms:
            vm.send("memcpy")
            m = vm.wait_line(r"^# memcpy result (.*)$", vm.limit(120))
            emit(kind="memcpy", guest=vm.name, **_kv(m.group(1)))
    for name in traffic:
        metric(name, SECS)
    emit(kind="end", loadavg=_load(), other_qemu=_others(vms), time=time.time())
    for vm in vms:
        vm.send("end")
    out.close()


def check(run):
    path = os.path.join(run.dir, "bench.jsonl")
    recs = [json.loads(l) for l in open(path)] if os.path.exists(path) else []
    got = {r["metric"]: r for r in recs if r.get("kind") == "metric"}
    res = []
    if "idle" in METRICS:
        res.append((any(r.get("kind") == "idle" for r in recs), "idle: measured"))
    for name in (n for n in METRICS if n in TRAFFIC):
        r = got.get(name)
        res.append((r is not None and r["rc"] == 0 and r["srv_rc"] == 0,
                    "%s: sender and receiver exited 0" % name))
        if r and name.startswith("tcp"):
            rb = sum(int(x.get("bytes", 0)) for x in r["receiver"])
            res.append((int(r["sender"].get("bytes", -1)) == rb,
                        "%s: receiver got every byte sent (%s vs %d)"
                        % (name, r["sender"].get("bytes"), rb)))
    return res
