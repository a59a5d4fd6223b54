# SPDX-License-Identifier: GPL-2.0-only
# A hostile peer: the host joins the doorbell region as peer 1 and, for 60
# seconds, fuzzes every field it can write while the guest pings it:
# producer indices, descriptors (seq, off, len, flags, gso_type, hdr_len,
# gso_size, csum_start/offset) with random arena bytes, well-formed
# descriptors carrying garbage GSO/checksum headers, the consumer index and
# kick requests of the guest's channels, its own slot (state, generation,
# epochs, acknowledgements, MAC, vectors, features, heartbeat jumps), the
# region header (ignored after probe), and storms of interrupts on every
# vector. The debug kernel (KASAN, lockdep, panic_on_warn) must show no
# WARN/BUG/KASAN/lockdep report and not hang; the guest's protocol-error and
# reset counters move; when the host behaves again (a new epoch) the link
# comes back and 10 ICMP round trips are byte-exact.
import os
import random
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import npvcommon  # noqa: E402
from npvcommon import netpv  # noqa: E402

KERNELS = ["debug", "6.1"]
TIMEOUT = 300
SHM = dict(size="8M", doorbell=True, format=dict(peers=2, name="hostile"))
QEMU = dict(smp="2")
LVOS = npvcommon.LVOS
BINARIES = npvcommon.BINARIES
FUZZ_SECONDS = 60
HOST_MAC = "02:00:00:00:00:02"
GUEST_IP, HOST_IP = "10.1.0.1", "10.1.0.2"
G, H = 0, 1

GUEST = npvcommon.HELPERS + r'''
sysctl -qw net.ipv6.conf.netpv0.disable_ipv6=1
vmtest_check "netpv0 up" sh -c "ip addr add %(gip)s/24 dev netpv0 && ip link set netpv0 up"
ip neigh replace %(hip)s lladdr %(hmac)s dev netpv0 nud permanent
vmtest_log "mac $(cat /sys/class/net/netpv0/address)"
vmtest_check "carrier with the host peer" npv_wait_carrier netpv0 1 120
# traffic toward the hostile peer for the whole run (replies or not)
ping -q -i 0.05 -s 1200 %(hip)s >/dev/null 2>&1 &
pinger=$!
vmtest_log fuzz-ready
vmtest_wait_host '^fuzzed' 600
kill $pinger
perr=0
for c in index seq len off flags gso cons; do
	n=$(npv_stat netpv0 peer1_proto_err_$c)
	perr=$((perr + n))
	# every kind of broken descriptor the host wrote was caught as such
	[ $c = index ] || [ $c = cons ] || vmtest_check "proto_err_$c counted ($n)" test "$n" -gt 0
done
vmtest_log "protocol errors $perr, resets $(npv_stat netpv0 peer1_resets), ctrl irqs $(npv_stat netpv0 ctrl_irqs), q0 irqs $(npv_stat netpv0 q0_irqs)"
ethtool -S netpv0 | grep -v ': 0$' | grep 'peer1\|drop\|err'
vmtest_check "protocol errors counted" test "$perr" -gt 0
vmtest_check "links reset" test "$(npv_stat netpv0 peer1_resets)" -gt 0
vmtest_check "protocol resets logged (ratelimited)" sh -c 'dmesg | grep -q "peer 1 broke the protocol"'
vmtest_check "carrier back with the host behaving" npv_wait_carrier netpv0 1 120
vmtest_log recovered
vmtest_wait_host '^verified' 600
''' % dict(gip=GUEST_IP, hip=HOST_IP, hmac=HOST_MAC)


def fuzz(vm, peer, seconds, rnd):
    r = peer.region
    hdr = r.read(0, 4096)
    counts = {}

    def u32():
        return rnd.choice([0, 1, 0x7fffffff, 0x80000000, 0xffffffff, rnd.getrandbits(32)])

    def u16():
        return rnd.choice([0, 1, 0xffff, rnd.getrandbits(16)])

    def q():
        return rnd.randrange(r.Q)

    def prod_garbage():
        qq = q()
        r.ctrl_set(H, G, qq, "prod", u32())
        peer.kick(G, 1 + qq)

    def bad_desc():
        # a valid descriptor with one field broken (each check in turn),
        # or, one time in five, every field random
        qq = q()
        n = r.ctrl_get(H, G, qq, "prod")
        d = dict(seq=n, off=rnd.randrange(0, r.A - 2048, 64), len=60, flags=0, gso_type=0,
                 hdr_len=0, gso_size=0, csum_start=0, csum_offset=0)
        bad = rnd.choice(["seq", "off", "len", "flags", "csum", "gso", "all"])
        if bad == "seq":
            d["seq"] = (n + rnd.choice([1, 255, 256, 0x80000000])) & 0xffffffff
        elif bad == "off":
            d["off"] = rnd.choice([r.A - 59, r.A, r.A + 4096, 0xffffffc0, u32()])
        elif bad == "len":
            d["len"] = rnd.choice([0, 13, 65551, 0x7fffffff, u32()])
        elif bad == "flags":
            d["flags"] = rnd.choice([4, 0x80, 0xff])
        elif bad == "csum":
            d.update(flags=1, csum_start=rnd.choice([50, 59, 0xffff]), csum_offset=16)
        elif bad == "gso":
            d.update(gso_type=rnd.choice([1, 4, 3, 5, 0x80, 0x81]), gso_size=rnd.choice([0, 1448]),
                     flags=rnd.choice([0, 1]), csum_start=34, csum_offset=16)
        else:
            d = dict(seq=rnd.choice([n, u32()]), off=u32(), len=u32(), flags=rnd.getrandbits(8),
                     gso_type=rnd.getrandbits(8), hdr_len=u16(), gso_size=u16(),
                     csum_start=u16(), csum_offset=u16())
        r.desc_set(H, G, qq, n, **d)
        r.arena_write(H, G, qq, rnd.randrange(r.A - 2048), rnd.randbytes(rnd.randrange(2048)))
        r.ctrl_set(H, G, qq, "prod", (n + 1) & 0xffffffff)
        peer.kick(G, 1 + qq)
        counts["bad_" + bad] = counts.get("bad_" + bad, 0) + 1

    def garbage_offloads():
        # well-formed descriptors whose vnet header and bytes are nonsense
        ln = rnd.randrange(14, 9000)
        frame = rnd.randbytes(ln)
        if rnd.random() < 0.5:
            frame = npvcommon.macb(peer.mac_of(G)) + frame[6:] if hasattr(peer, "mac_of") else frame
        vnet = dict(flags=rnd.choice([0, 1, 2, 3]), gso_type=rnd.choice([0, 1, 4, 0x81]),
                    hdr_len=u16(), gso_size=rnd.choice([0, 1, 1448, u16()]),
                    csum_start=rnd.randrange(ln), csum_offset=rnd.choice([6, 16, u16()]))
        try:
            peer.send(G, q(), frame, vnet=vnet, timeout=0)
        except netpv.NetpvError:
            pass

    def cons_garbage():
        qq = q()
        r.ctrl_set(G, H, qq, "cons", u32())
        peer.kick(G, 1 + qq)

    def kick_fields():
        qq = q()
        r.ctrl_set(H, G, qq, "want_cons_kick_at", u32())
        r.ctrl_set(G, H, qq, "want_prod_kick_at", u32())

    def slot_flips():
        f = rnd.choice(["state", "generation", "pair_gen", "seen_gen", "nvectors",
                        "rx_features", "heartbeat", "active_queues", "mtu"])
        if f in ("pair_gen", "seen_gen"):
            r.slot_set(H, f, u32(), G)
        elif f == "state":
            r.slot_set(H, f, rnd.choice([0, 1, 2, 7, u32()]))
        elif f == "heartbeat":
            r.slot_set(H, f, rnd.getrandbits(64))
        elif f in ("nvectors", "active_queues", "mtu"):
            r.slot_set(H, f, u16())
        else:
            r.slot_set(H, f, u32())
        peer.kick(G, 0)

    def header():
        off = rnd.randrange(96)
        r.write(off, rnd.randbytes(rnd.randrange(1, 16)))

    def storm():
        for _ in range(2000):
            peer.kick(G, rnd.randrange(3))

    attacks = [prod_garbage, bad_desc, bad_desc, garbage_offloads, garbage_offloads,
               cons_garbage, kick_fields, slot_flips, header, storm]
    end = time.monotonic() + seconds
    rebind = 0
    while time.monotonic() < end:
        if time.monotonic() > rebind:
            # behave for a moment (a fresh epoch): the link comes back, so
            # the data path is fuzzed again, not only the handshake
            r.write(0, hdr)
            peer.unbind()
            peer.bind()
            try:
                peer.wait_link(G, timeout=5)
            except TimeoutError:
                pass
            rebind = time.monotonic() + 2
        a = rnd.choice(attacks)
        try:
            a()
        except netpv.NetpvError:
            pass
        counts[a.__name__] = counts.get(a.__name__, 0) + 1
        time.sleep(rnd.choice([0, 0, 0.001, 0.01]))
    r.write(0, hdr)
    return counts


def host(vm):
    peer = netpv.HostPeer(None, server_sock=vm.server, mac=HOST_MAC)
    try:
        gmac = vm.wait_line(r"^# mac (\S+)", 600).group(1)
        peer.mac_of = lambda j: gmac
        peer.wait_link(G, timeout=vm.limit(120))
        vm.wait_line(r"^# fuzz-ready$", 600)
        counts = fuzz(vm, peer, FUZZ_SECONDS, random.Random(0x4c56))
        with open(os.path.join(vm.dir, "fuzz-counts"), "w") as f:
            f.write("%r\n" % counts)
        # behave: a fresh epoch no acknowledgement can match by accident
        # (the fuzz wrote random epochs; old + 1 could meet a stale ack)
        peer.unbind()
        r = peer.region
        r.slot_set(H, "pair_gen", random.Random().getrandbits(31) + 1, G)
        peer.bind()
        vm.send("fuzzed")
        vm.wait_line(r"^# recovered$", 600)
        # (npvcommon.echo_roundtrips retries what a link flap lost)
        npvcommon.echo_roundtrips(vm, peer, gmac, 10, 0x4c57, HOST_MAC, HOST_IP, GUEST_IP, 7)
        vm.send("verified")
    except netpv.NetpvError as e:
        raise AssertionError("%s; host peer errors (last 5) %s, stats %s"
                             % (e, peer.errors[-5:], dict(peer.stats)))
    finally:
        peer.close()
