# SPDX-License-Identifier: GPL-2.0-only
# XDP on lvos_netpv with ONE queue (ethtool -L combined 1): DROP, PASS,
# ABORTED, TX (MACs swapped: back to the sender) and REDIRECT into netpv0
# from virtio-net's eth0 (ndo_xdp_xmit); each counter moves by exactly the
# 20 frames sent (static ARP, no IPv6: no stray frames). No warning from
# netpv0 at attach; virtio-net's own warning for the same program on eth0
# with 1 queue pair and 2 vCPUs is recorded for comparison. With XDP
# attached the MTU is capped (a larger one is refused both ways).
# Programs: tools/xdp/npv-xdp.c (clang on the host), loaded with iproute2.
# 6.1 and 6.12 only: the debug kernel has no BPF syscall.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import npvcommon  # noqa: E402

KERNELS = ["6.1", "6.12"]
TIMEOUT = 240
LINK = "net"
SHM = dict(size="8M", format=dict(name="xdp"))
QEMU = dict(smp="2")
LVOS = npvcommon.LVOS
BINARIES = npvcommon.BINARIES
FILES = dict(("/lib/xdp/xdp-%s.o" % n, "tools/xdp/xdp-%s.o" % n)
             for n in ["drop", "pass", "aborted", "tx"] + ["redirect-%d" % i for i in range(2, 7)])

COMMON = npvcommon.HELPERS + r'''
vmtest_check "eth0 up" sh -c "ip addr add 10.0.0.$((LVOS_GUEST_INDEX + 1))/24 dev eth0 && ip link set eth0 up"
npv_up
vmtest_check "one queue: ethtool -L combined 1" ethtool -L netpv0 combined 1
vmtest_eq "ethtool -l: 1 of 2" "$(ethtool -l netpv0 | awk '/Combined:/ { print $2 }' | tr '\n' ' ')" "2 1 "
vmtest_check "carrier" npv_wait_carrier netpv0 1 60
vmtest_log "mac $(cat /sys/class/net/netpv0/address) $(cat /sys/class/net/eth0/address)"
'''

GUEST_A = COMMON + r'''
line=$(vmtest_wait_host '^peer ' 60)
set -- $line
ip neigh replace 10.1.0.2 lladdr $2 dev netpv0 nud permanent
ip neigh replace 10.0.0.2 lladdr $3 dev eth0 nud permanent
xdp() { ip -force link set dev netpv0 xdpdrv obj /lib/xdp/xdp-$1.o sec xdp; }
st() { npv_stat netpv0 q0_$1; }
phase() {
	_n=$1 _c=$2
	vmtest_check "attach xdp-$_n to netpv0" xdp $_n
	_b=$(st $_c)
	vmtest_log "ready $_n"
	vmtest_wait_host "^sent $_n" 120
	vmtest_eq "xdp-$_n: $_c moved by the 20 frames" "$(( $(st $_c) - _b ))" 20
}
dmesg -c >/dev/null
phase drop xdp_drop
phase pass xdp_pass
phase aborted xdp_aborted
phase tx xdp_tx
vmtest_check "no XDP warning from netpv0" sh -c '! dmesg | grep -i "netpv0.*xdp\|xdp.*netpv0"'
vmtest_check "MTU cap at attach logged" sh -c '! ip link set netpv0 mtu 5000 && dmesg | grep -q "netpv0: MTU 5000 is too large while XDP"'
vmtest_check "detach" ip link set dev netpv0 xdpdrv off
vmtest_check "MTU 9000 without XDP" ip link set netpv0 mtu 9000
vmtest_check "attach refused at MTU 9000" sh -c '! ip link set dev netpv0 xdpdrv obj /lib/xdp/xdp-pass.o sec xdp'
vmtest_check "MTU back to 1500" ip link set netpv0 mtu 1500
# REDIRECT: eth0 (virtio-net) -> netpv0 -> the peer
idx=$(cat /sys/class/net/netpv0/ifindex)
vmtest_check "attach xdp-redirect-$idx to eth0 (virtio-net)" \
	ip link set dev eth0 xdpdrv obj /lib/xdp/xdp-redirect-$idx.o sec xdp
vmtest_log "virtio-net at attach: $(dmesg | grep -i 'xdp' | tr '\n' ' ')"
_b=$(st tx_xdp_xmit)
vmtest_log "ready redirect"
vmtest_wait_host "^sent redirect" 120
vmtest_eq "redirect: netpv0 ndo_xdp_xmit sent the 20 frames" "$(( $(st tx_xdp_xmit) - _b ))" 20
ip link set dev eth0 xdpdrv off
'''

GUEST_B = COMMON + r'''
line=$(vmtest_wait_host '^peer ' 60)
set -- $line
ip neigh replace 10.1.0.1 lladdr $2 dev netpv0 nud permanent
ip neigh replace 10.0.0.1 lladdr $3 dev eth0 nud permanent
rx() { cat /sys/class/net/netpv0/statistics/rx_packets; }
pings() { ping -c 20 -i 0.2 -W 1 $1 | awk '/received/ { print $4 }'; }
for p in drop pass aborted tx; do
	vmtest_wait_host "^ready $p" 120
	_b=$(rx)
	got=$(pings 10.1.0.1)
	case $p in
	pass) vmtest_eq "xdp-pass: 20 replies" "$got" 20 ;;
	tx) vmtest_eq "xdp-tx: no replies (requests come back)" "$got" 0
	    vmtest_eq "xdp-tx: the 20 requests came back to b" "$(( $(rx) - _b ))" 20 ;;
	*) vmtest_eq "xdp-$p: no replies" "$got" 0 ;;
	esac
	vmtest_log "sent $p"
done
vmtest_wait_host "^ready redirect" 120
_b=$(rx)
pings 10.0.0.1 >/dev/null
vmtest_eq "redirect: b's pings to a's eth0 came back on b's netpv0" "$(( $(rx) - _b ))" 20
vmtest_log "sent redirect"
'''

GUESTS = [dict(name="a", GUEST=GUEST_A), dict(name="b", GUEST=GUEST_B)]


def host(vms):
    a, b = vms["a"], vms["b"]
    ma = a.wait_line(r"^# mac .*", 600).group(0).split()[2:]
    mb = b.wait_line(r"^# mac .*", 600).group(0).split()[2:]
    a.send("peer %s %s" % tuple(mb))
    b.send("peer %s %s" % tuple(ma))
    for p in ["drop", "pass", "aborted", "tx", "redirect"]:
        a.wait_line(r"^# ready %s$" % p, 600)
        b.send("ready %s" % p)
        b.wait_line(r"^# sent %s$" % p, 600)
        a.send("sent %s" % p)
