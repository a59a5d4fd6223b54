# SPDX-License-Identifier: GPL-2.0-only
# lvos_netpv with the host as its peer over ivshmem-doorbell: the guest is
# id 0 (IVPosition), the host joins the server as id 1 (tools/vmtest_lib
# netpv.HostPeer writes and reads the rings through the region file).
# Byte-exact round trips both ways: 40 ICMP echo requests of random sizes
# (0-1472 bytes of random payload) from the host on both queues come back
# with the same payload and valid checksums; the guest's 10 pings of 1000
# bytes to the host are answered by the host. The guest took interrupts on
# its queue vectors. The host leaving (its server connection closed: the
# server marks it DEAD and interrupts the guest) drops the carrier.
import os
import random
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import npvcommon  # noqa: E402
from npvcommon import netpv  # noqa: E402

KERNELS = ["6.1", "6.12"]
TIMEOUT = 180
SHM = dict(size="8M", doorbell=True, format=dict(peers=2, name="hostpeer"))
QEMU = dict(smp="2")
LVOS = npvcommon.LVOS
BINARIES = npvcommon.BINARIES
HOST_MAC = "02:00:00:00:00:02"
GUEST_IP, HOST_IP = "10.1.0.1", "10.1.0.2"

GUEST = npvcommon.HELPERS + r'''
vmtest_check "netpv0 bound at boot (doorbell: no slot= needed)" test -d /sys/class/net/netpv0
vmtest_eq "mode" "$(cat /sys/class/net/netpv0/lvos/mode)" doorbell
vmtest_eq "slot = IVPosition" "$(cat /sys/class/net/netpv0/lvos/slot)" 0
vmtest_eq "region name" "$(cat /sys/class/net/netpv0/lvos/region)" hostpeer
# 2 = NET_NAME_PREDICTABLE: udev's NamePolicy "kernel" keeps netpv0 (with
# 1, NET_NAME_ENUM, Debian's udev renamed it enp0sN: tools/debtest)
vmtest_eq "name_assign_type predictable" "$(cat /sys/class/net/netpv0/name_assign_type)" 2
sysctl -qw net.ipv6.conf.netpv0.disable_ipv6=1
vmtest_check "netpv0 up" sh -c "ip addr add %(gip)s/24 dev netpv0 && ip link set netpv0 up"
ip neigh replace %(hip)s lladdr %(hmac)s dev netpv0 nud permanent
vmtest_log "mac $(cat /sys/class/net/netpv0/address)"
vmtest_check "carrier with the host peer" npv_wait_carrier netpv0 1 60
vmtest_eq "peers" "$(cat /sys/class/net/netpv0/lvos/peers)" 1
vmtest_log ready
vmtest_wait_host '^ping' 300
vmtest_eq "10 pings of 1000 bytes to the host answered" \
	"$(ping -c 10 -i 0.2 -W 2 -s 1000 %(hip)s | awk '/received/ { print $4 }')" 10
irqs=$(( $(npv_stat netpv0 q0_irqs) + $(npv_stat netpv0 q1_irqs) ))
vmtest_check "interrupts on the queue vectors ($irqs)" test "$irqs" -gt 0
vmtest_log pinged
vmtest_check "carrier off when the host peer leaves" npv_wait_carrier netpv0 0 60
vmtest_check "logged" sh -c 'dmesg | grep -q "netpv0: peer 1 died: link down"'
''' % dict(gip=GUEST_IP, hip=HOST_IP, hmac=HOST_MAC)


def host(vm):
    peer = netpv.HostPeer(None, server_sock=vm.server, mac=HOST_MAC)
    try:
        gmac = vm.wait_line(r"^# mac (\S+)", 600).group(1)
        peer.wait_link(0, timeout=vm.limit(120))
        vm.wait_line(r"^# ready$", 600)
        rnd = random.Random(1234)
        sent = {}
        for seq in range(40):
            payload = bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(0, 1473)))
            sent[seq] = payload
            peer.send(0, seq % peer.Q, npvcommon.icmp_echo(HOST_MAC, gmac, HOST_IP, GUEST_IP,
                                                           0x4c56, seq, payload))
        got = {}
        for f in npvcommon.recv_any(peer, 0, 40, vm.limit(60)):
            m = npvcommon.parse_icmp(f.data)
            if m and m["type"] == 0 and m["ident"] == 0x4c56:
                got[m["seq"]] = m
        missing = sorted(set(sent) - set(got))
        if missing:
            raise AssertionError("no echo reply for seq %s" % missing)
        for seq, m in got.items():
            if m["payload"] != sent[seq] or not m["csums_ok"]:
                raise AssertionError("echo reply %d: payload %s, checksums %s"
                                     % (seq, "differs" if m["payload"] != sent[seq] else "same",
                                        "ok" if m["csums_ok"] else "bad"))
        # the guest pings the host: answer every request, byte-exact
        vm.send("ping")
        answered = 0
        deadline = vm.limit(120)
        while answered < 10:
            fs = npvcommon.recv_any(peer, 0, 1, deadline)
            if not fs:
                raise AssertionError("the guest's pings stopped after %d" % answered)
            for f in fs:
                m = npvcommon.parse_icmp(f.data)
                if not m or m["type"] != 8:
                    continue
                if len(m["payload"]) != 1000 or not m["csums_ok"]:
                    raise AssertionError("guest ping %d: %d bytes, checksums ok %s"
                                         % (m["seq"], len(m["payload"]), m["csums_ok"]))
                peer.send(0, 0, npvcommon.icmp_echo(HOST_MAC, gmac, HOST_IP, GUEST_IP,
                                                    m["ident"], m["seq"], m["payload"],
                                                    reply=True))
                answered += 1
        vm.wait_line(r"^# pinged$", 600)
    except netpv.NetpvError as e:
        raise AssertionError("%s; host peer errors %s, stats %s, guest slot %s"
                             % (e, peer.errors, dict(peer.stats), peer.region.slot(0)))
    finally:
        peer.close()
