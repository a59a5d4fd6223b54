# SPDX-License-Identifier: GPL-2.0-only
# Two guests on an ivshmem-doorbell region (tools/lvos-ivshmem-server in
# the harness; guest a is id 0, b is id 1): 64 MiB each way at once,
# checksummed, over both queues (npv_bulk). Then b's QEMU is killed: the
# server marks slot 1 DEAD and interrupts a, whose carrier drops with
# "peer 1 died" (the server's notice, not the heartbeat timeout). Then the
# host joins the server as the new peer 1: a's link comes back up and ICMP
# round trips through it are byte-exact.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import npvcommon  # noqa: E402
from npvcommon import netpv  # noqa: E402

KERNELS = ["6.1", "6.12"]
TIMEOUT = 300
SHM = dict(doorbell=True, format=dict(peers=2, name="doorbell"))
QEMU = dict(smp="2")
LVOS = npvcommon.LVOS
BINARIES = npvcommon.BINARIES
HOST_MAC = "02:00:00:00:00:02"

COMMON = npvcommon.HELPERS + r'''
vmtest_eq "slot = IVPosition" "$(cat /sys/class/net/netpv0/lvos/slot)" $LVOS_GUEST_INDEX
sysctl -qw net.ipv6.conf.netpv0.disable_ipv6=1
vmtest_check "netpv0 up" sh -c "ip addr add 10.1.0.$((LVOS_GUEST_INDEX + 1))/24 dev netpv0 && ip link set netpv0 up"
vmtest_check "carrier" npv_wait_carrier netpv0 1 120
npv_bulk
'''

GUEST_A = COMMON + r'''
vmtest_log "mac $(cat /sys/class/net/netpv0/address)"
vmtest_wait_host '^killed' 300
vmtest_check "carrier off after b's QEMU was killed" npv_wait_carrier netpv0 0 60
vmtest_check "the server's DEAD notice, not the heartbeat timeout" \
	sh -c 'dmesg | grep -q "netpv0: peer 1 died: link down"'
vmtest_eq "no peers" "$(cat /sys/class/net/netpv0/lvos/peers)" ""
vmtest_log down
ip neigh replace 10.1.0.2 lladdr %(hmac)s dev netpv0 nud permanent
vmtest_check "carrier back with the new peer 1 (the host)" npv_wait_carrier netpv0 1 120
vmtest_log returned
vmtest_wait_host '^verified' 300
''' % dict(hmac=HOST_MAC)

GUEST_B = COMMON + r'''
vmtest_log "waiting to be killed"
vmtest_wait_host '^never' 600
'''

GUESTS = [dict(name="a", GUEST=GUEST_A), dict(name="b", GUEST=GUEST_B)]


def host(vms):
    a, b = vms["a"], vms["b"]
    npvcommon.bulk_host(vms)
    gmac = a.wait_line(r"^# mac (\S+)", 600).group(1)
    b.wait_line(r"^# waiting to be killed$", 600)
    b.kill()
    a.send("killed")
    a.wait_line(r"^# down$", 600)
    peer = netpv.HostPeer(None, server_sock=vms.server, mac=HOST_MAC)
    try:
        if peer.slot != 1:
            raise AssertionError("the server gave the host id %d, not b's 1" % peer.slot)
        a.wait_line(r"^# returned$", 600)
        npvcommon.echo_roundtrips(a, peer, gmac, 10, 0x4c58, HOST_MAC, "10.1.0.2",
                                  "10.1.0.1", 11)
        a.send("verified")
    finally:
        peer.close()
