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


def icmp_echo(src_mac, dst_mac, src_ip, dst_ip, ident, seq, payload, reply=False):
    icmp = struct.pack("!BBHHH", 0 if reply else 8, 0, 0, ident, seq) + payload
    icmp = icmp[:2] + struct.pack("!H", inet_csum(icmp)) + icmp[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), seq, 0, 64, 1, 0,
                     socket.inet_aton(src_ip), socket.inet_aton(dst_ip))
    ip = ip[:10] + struct.pack("!H", inet_csum(ip)) + ip[12:]
    return macb(dst_mac) + macb(src_mac) + b"\x08\x00" + ip + icmp


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
