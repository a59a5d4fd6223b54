# SPDX-License-Identifier: GPL-2.0-only
# Offload fields from peers, on a guest that routes: the host joins a
# doorbell region as peer 1 and sends one 4000-byte TCP frame as a single
# GSO descriptor (gso_size 1000) with NEEDS_CSUM and DATA_VALID both set,
# addressed to 10.9.9.9, which the guest forwards back to it over netpv0.
# 1. The host advertises rx_features = GSO without CSUM (which cannot be
#    honoured: a GSO frame is CHECKSUM_PARTIAL): the guest segments and
#    finishes every checksum itself: four segments with valid IP and TCP
#    checksums, no NEEDS_CSUM, the payload byte-exact, no WARN (before:
#    skb_checksum_help() on a GSO skb WARNed - a crash under
#    panic_on_warn).
# 2. The host leaves and returns advertising CSUM and GSO (GRO off in the
#    guest): the frame comes back as one GSO descriptor whose checksum is
#    either finished or still marked NEEDS_CSUM at 34/16, never an
#    unfinished checksum declared done. (DATA_VALID is now applied before
#    virtio_net_hdr_to_skb, as virtio_net does; the old order did not make
#    this round fail: the forwarding path still sent it as PARTIAL.)
import os
import random
import socket
import struct
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import npvcommon  # noqa: E402
from npvcommon import netpv  # noqa: E402

KERNELS = ["6.1", "6.12", "debug"]
TIMEOUT = 180
SHM = dict(size="8M", doorbell=True, format=dict(peers=2, name="offload"))
QEMU = dict(smp="2")
LVOS = npvcommon.LVOS
BINARIES = npvcommon.BINARIES
HOST_MAC = "02:00:00:00:00:02"
GUEST_IP, HOST_IP = "10.1.0.1", "10.1.0.2"
SRC_IP, DST_IP = "10.8.8.8", "10.9.9.9"
MSS, PAYLOAD = 1000, 4000

GUEST = npvcommon.HELPERS + r'''
vmtest_log "mac $(cat /sys/class/net/netpv0/address)"
sysctl -qw net.ipv6.conf.netpv0.disable_ipv6=1
sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.netpv0.rp_filter=0
# (a function, not sh -c: a new shell would get busybox's ip)
npv_route() {
	ip addr add %(gip)s/24 dev netpv0 && ip link set netpv0 up &&
	ip neigh replace %(hip)s lladdr %(hmac)s dev netpv0 nud permanent &&
	ip route add 10.9.9.0/24 via %(hip)s dev netpv0
}
vmtest_check "netpv0 up, a route to 10.9.9.0/24 through the host peer" npv_route
# GRO would hand the frame on as CHECKSUM_PARTIAL whatever the driver set
vmtest_check "GRO off" ethtool -K netpv0 gro off
vmtest_check "carrier with the host peer" npv_wait_carrier netpv0 1 60
vmtest_log ready
vmtest_wait_host '^checked' 300
vmtest_check "the frame was forwarded (ip forwarding counted it)" \
	sh -c "[ \$(awk '/^Ip:/ { n++ } n == 2 { print \$7; exit }' /proc/net/snmp) -ge 1 ]"
''' % dict(gip=GUEST_IP, hip=HOST_IP, hmac=HOST_MAC)


def tcp_gso_frame(src_mac, dst_mac, payload):
    """One Ethernet/IPv4/TCP frame carrying all of payload, with the TCP
    checksum field holding the pseudo-header sum (CHECKSUM_PARTIAL)."""
    s, d = socket.inet_aton(SRC_IP), socket.inet_aton(DST_IP)
    tcp_len = 20 + len(payload)
    tcp = struct.pack("!HHIIBBHHH", 4000, 5000, 1, 1, 5 << 4, 0x18, 65535, 0, 0) + payload
    pseudo = ~npvcommon.inet_csum(s + d + struct.pack("!BBH", 0, 6, tcp_len)) & 0xffff
    tcp = tcp[:16] + struct.pack("!H", pseudo) + tcp[18:]
    return npvcommon.ipv4_frame(src_mac, dst_mac, SRC_IP, DST_IP, 6, 7, tcp)


def tcp_check(frame):
    """(IP checksum ok, TCP checksum ok, the TCP check field, the
    pseudo-header sum a CHECKSUM_PARTIAL frame holds there)."""
    ip = frame[14:34]
    total = struct.unpack("!H", ip[2:4])[0]
    tcp = frame[34:14 + total]
    pseudo = ip[12:20] + struct.pack("!BBH", 0, 6, len(tcp))
    return (npvcommon.inet_csum(ip) == 0, npvcommon.inet_csum(pseudo + tcp) == 0,
            struct.unpack("!H", tcp[16:18])[0], ~npvcommon.inet_csum(pseudo) & 0xffff)


def tcp_segment(frame):
    """(seq, payload) of a forwarded segment with valid checksums; raises
    otherwise; None for anything but TCP to DST_IP."""
    if len(frame) < 54 or frame[12:14] != b"\x08\x00" or frame[23] != 6:
        return None
    if frame[30:34] != socket.inet_aton(DST_IP):
        return None
    ip_ok, tcp_ok, _, _ = tcp_check(frame)
    if not (ip_ok and tcp_ok):
        raise AssertionError("segment with a bad checksum: IP %s, TCP %s" % (ip_ok, tcp_ok))
    total = struct.unpack("!H", frame[16:18])[0]
    return struct.unpack("!I", frame[38:42])[0], frame[54:14 + total]


def send_frame(peer, gmac, payload):
    peer.send(0, 0, tcp_gso_frame(HOST_MAC, gmac, payload),
              vnet=dict(flags=netpv.VNET_F_NEEDS_CSUM | netpv.VNET_F_DATA_VALID,
                        gso_type=netpv.VNET_GSO_TCPV4, hdr_len=54, gso_size=MSS,
                        csum_start=34, csum_offset=16))


def segmented(vm, peer, gmac, payload):
    """Round 1: the peer takes neither GSO nor partial checksums."""
    send_frame(peer, gmac, payload)
    segs = {}
    want = PAYLOAD // MSS
    for f in npvcommon.recv_any(peer, 0, want, vm.limit(60)):
        got = tcp_segment(f.data)
        if got is None:
            continue
        if f.flags & netpv.VNET_F_NEEDS_CSUM or f.gso_type != netpv.VNET_GSO_NONE:
            raise AssertionError("a segment still asks for offloads: %r" % f)
        segs[got[0]] = got[1]
    if len(segs) != want:
        raise AssertionError("%d segments forwarded, expected %d" % (len(segs), want))
    if b"".join(segs[k] for k in sorted(segs)) != payload:
        raise AssertionError("the forwarded payload differs")


def as_gso(vm, peer, gmac, payload):
    """Round 2: the peer takes both: one GSO descriptor back, its checksum
    finished or marked NEEDS_CSUM where it belongs."""
    send_frame(peer, gmac, payload)
    fs = [f for f in npvcommon.recv_any(peer, 0, 1, vm.limit(60))
          if len(f.data) > 34 and f.data[30:34] == socket.inet_aton(DST_IP)]
    if len(fs) != 1:
        raise AssertionError("%d frames to %s came back, expected one GSO frame" % (len(fs), DST_IP))
    f = fs[0]
    if (f.gso_type, f.gso_size, f.data[54:]) != (netpv.VNET_GSO_TCPV4, MSS, payload):
        raise AssertionError("not the same GSO frame: %r" % f)
    ip_ok, tcp_ok, check, pseudo = tcp_check(f.data)
    partial = (f.flags & netpv.VNET_F_NEEDS_CSUM and (f.csum_start, f.csum_offset) == (34, 16)
               and check == pseudo)
    if not ip_ok or not (tcp_ok or partial):
        raise AssertionError("forwarded with an unfinished TCP checksum and no NEEDS_CSUM: %r, "
                             "IP checksum ok %s" % (f, ip_ok))


def host(vm):
    payload = random.Random(7).randbytes(PAYLOAD)
    gmac = vm.wait_line(r"^# mac (\S+)", 600).group(1)
    for rx_features, check in ((netpv.RX_GSO, segmented),
                               (netpv.RX_CSUM | netpv.RX_GSO, as_gso)):
        peer = netpv.HostPeer(None, server_sock=vm.server, mac=HOST_MAC,
                              rx_features=rx_features)
        try:
            peer.wait_link(0, timeout=vm.limit(120))
            if check is segmented:
                vm.wait_line(r"^# ready$", 600)     # the guest's route is in place
            check(vm, peer, gmac, payload)
        except netpv.NetpvError as e:
            raise AssertionError("%s; host peer errors %s" % (e, peer.errors))
        finally:
            peer.close()
    vm.send("checked")
