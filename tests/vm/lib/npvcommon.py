# SPDX-License-Identifier: GPL-2.0-only
"""Shared pieces of the lvos_netpv VM tests (tests/vm/netpv-*.py).

Region formatting and parsing come from tools/lvos-ivshmem-server (the one
implementation of the layout on the host side; include/lvos/netpv.h is the
kernel's)."""

import hashlib
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))), "tools"))
from vmtest_lib import netpv  # noqa: E402,F401

KO = "/lib/lvos/lvos_netpv.ko"
LVOS = ["lvos_netpv"]
BINARIES = ["ethtool", "ip"]


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


# Guest shell helpers: npv_wait_carrier DEV VALUE SECONDS, npv_stat DEV NAME
# (one ethtool -S counter), npv_load [PARAM...] (insmod from /lib/lvos).
HELPERS = r'''
npv_load() { insmod %(ko)s "$@"; }
npv_stat() { ethtool -S "$1" | awk -v k="$2:" '$1 == k { print $2 }'; }
npv_carrier() { cat /sys/class/net/$1/carrier 2>/dev/null || echo none; }
# npv_up: load with this guest's slot (plain regions), 10.1.0.(index+1)/24
# on netpv0 without IPv6 (no stray multicast: exact frame counts)
npv_up() {
	rmmod lvos_netpv 2>/dev/null
	vmtest_check "insmod lvos_netpv slot=$LVOS_GUEST_INDEX" npv_load slot=$LVOS_GUEST_INDEX "$@"
	sysctl -qw net.ipv6.conf.netpv0.disable_ipv6=1
	vmtest_check "netpv0 up" sh -c "ip addr add 10.1.0.$((LVOS_GUEST_INDEX + 1))/24 dev netpv0 && ip link set netpv0 up"
}
# npv_bulk: 64 MiB each way at once. Each guest serves two 32 MiB random
# blobs from two httpds pinned to CPU 0 and 1 (XPS maps them to TX queues
# 0 and 1) and fetches the peer's two in parallel, checksummed; the host
# relays the sums. Then both queues must have carried a share.
npv_bulk() {
	mkdir -p /www
	dd if=/dev/urandom of=/www/b0 bs=1M count=32 2>/dev/null
	dd if=/dev/urandom of=/www/b1 bs=1M count=32 2>/dev/null
	echo 1 >/sys/class/net/netpv0/queues/tx-0/xps_cpus
	echo 2 >/sys/class/net/netpv0/queues/tx-1/xps_cpus
	taskset 1 httpd -p 8080 -h /www
	taskset 2 httpd -p 8081 -h /www
	vmtest_log "sums $(sha256sum </www/b0 | cut -d' ' -f1) $(sha256sum </www/b1 | cut -d' ' -f1)"
	set -- $(vmtest_wait_host '^peersums ' 300)
	_p=10.1.0.$((2 - LVOS_GUEST_INDEX))
	(wget -q -O - http://$_p:8080/b0 | sha256sum | cut -d' ' -f1 >/tmp/s0) &
	(wget -q -O - http://$_p:8081/b1 | sha256sum | cut -d' ' -f1 >/tmp/s1) &
	wait
	vmtest_eq "32 MiB from the peer's CPU-0 server, checksummed" "$(cat /tmp/s0)" "$2"
	vmtest_eq "32 MiB from the peer's CPU-1 server, checksummed" "$(cat /tmp/s1)" "$3"
	vmtest_log bulk-done
	vmtest_wait_host '^bulk-all-done' 300
	# (ACK-clocked sends leave from the CPU that polled the ACKs, so the
	# split is uneven, most of all when polled: each queue carried frames)
	_all=0
	for _q in 0 1; do
		_t=$(npv_stat netpv0 q${_q}_tx_packets)
		_r=$(npv_stat netpv0 q${_q}_rx_packets)
		_all=$((_all + $(npv_stat netpv0 q${_q}_rx_bytes)))
		vmtest_check "queue $_q carried frames both ways (tx $_t, rx $_r)" \
			test "$_t" -ge 16 -a "$_r" -ge 16
	done
	vmtest_check "64 MiB received over netpv0 ($_all bytes)" test "$_all" -ge 67108864
	vmtest_check "64 MiB frames crossed as GSO" test "$(npv_stat netpv0 q0_tx_gso)" -gt 0
	killall httpd
}
npv_wait_carrier() {
	_d=$1 _v=$2
	vmtest_wait_for "$3" sh -c "[ \"\$(cat /sys/class/net/$_d/carrier 2>/dev/null)\" = $_v ]"
}
''' % dict(ko=KO)


# ---- frames the host builds and parses (Ethernet / IPv4 / ICMP) ----

def macb(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def inet_csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4_frame(src_mac, dst_mac, src_ip, dst_ip, proto, ident, l4):
    """Ethernet + IPv4 header (TTL 64, its checksum set) + the l4 bytes."""
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), ident, 0, 64, proto, 0,
                     socket.inet_aton(src_ip), socket.inet_aton(dst_ip))
    ip = ip[:10] + struct.pack("!H", inet_csum(ip)) + ip[12:]
    return macb(dst_mac) + macb(src_mac) + b"\x08\x00" + ip + l4


def icmp_echo(src_mac, dst_mac, src_ip, dst_ip, ident, seq, payload, reply=False):
    icmp = struct.pack("!BBHHH", 0 if reply else 8, 0, 0, ident, seq) + payload
    icmp = icmp[:2] + struct.pack("!H", inet_csum(icmp)) + icmp[4:]
    return ipv4_frame(src_mac, dst_mac, src_ip, dst_ip, 1, seq, icmp)


def parse_icmp(frame):
    """-> dict(src_mac, dst_mac, src_ip, dst_ip, type, ident, seq, payload,
    csums_ok) or None for anything but IPv4 ICMP."""
    if len(frame) < 42 or frame[12:14] != b"\x08\x00":
        return None
    ihl = (frame[14] & 0xf) * 4
    total = struct.unpack("!H", frame[16:18])[0]
    ip = frame[14:14 + ihl]
    if frame[23] != 1 or len(frame) < 14 + total:
        return None
    icmp = frame[14 + ihl:14 + total]
    t, _, _, ident, seq = struct.unpack("!BBHHH", icmp[:8])
    return dict(dst_mac=frame[0:6], src_mac=frame[6:12], src_ip=socket.inet_ntoa(ip[12:16]),
                dst_ip=socket.inet_ntoa(ip[16:20]), type=t, ident=ident, seq=seq,
                payload=icmp[8:], csums_ok=inet_csum(ip) == 0 and inet_csum(icmp) == 0)


def recv_any(peer, src, count, timeout):
    """Frames from peer src on any queue until count arrived or timeout s."""
    out = []
    deadline = time.monotonic() + timeout
    while len(out) < count and time.monotonic() < deadline:
        got = []
        for q in range(peer.Q):
            got += peer.recv(src, q)
        out += got
        if not got:
            time.sleep(0.005)
    return out


def bulk_host(vms):
    """The host's part of npv_bulk: relay each guest's sums to the other."""
    a, b = vms["a"], vms["b"]
    sa = a.wait_line(r"^# sums (\S+) (\S+)", 600).groups()
    sb = b.wait_line(r"^# sums (\S+) (\S+)", 600).groups()
    a.send("peersums %s %s" % sb)
    b.send("peersums %s %s" % sa)
    a.wait_line(r"^# bulk-done$", 900)
    b.wait_line(r"^# bulk-done$", 900)
    a.send("bulk-all-done")
    b.send("bulk-all-done")


def echo_roundtrips(vm, peer, gmac, n, ident, host_mac, host_ip, guest_ip, seed):
    """n ICMP echo requests of random sizes from the host peer to guest 0;
    raises unless every reply comes back byte-exact with valid checksums.
    Retries what is missing when the link flaps (both sides reset)."""
    import random
    rnd = random.Random(seed)
    sent = dict((seq, rnd.randbytes(rnd.randrange(1473))) for seq in range(n))
    got = {}
    deadline = time.monotonic() + vm.limit(120)
    while len(got) < n and time.monotonic() < deadline:
        try:
            peer.wait_link(0, timeout=max(1, deadline - time.monotonic()))
            for seq in sorted(set(sent) - set(got)):
                peer.send(0, seq % peer.Q, icmp_echo(host_mac, gmac, host_ip, guest_ip,
                                                     ident, seq, sent[seq]))
            for fr in recv_any(peer, 0, n - len(got), 10):
                m = parse_icmp(fr.data)
                if m and m["type"] == 0 and m["ident"] == ident:
                    got[m["seq"]] = m
        except netpv.NetpvError:
            continue
    bad = [q for q in sent if q not in got or got[q]["payload"] != sent[q]
           or not got[q]["csums_ok"]]
    if bad:
        raise AssertionError("echo replies missing or wrong: %s (host peer errors %s)"
                             % (bad, peer.errors[-5:]))
