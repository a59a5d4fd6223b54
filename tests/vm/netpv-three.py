# SPDX-License-Identifier: GPL-2.0-only
# Three guests on one ivshmem-doorbell region (peers=3, the server in the
# harness; a, b, c are ids and slots 0, 1, 2): every guest links to both
# others (lvos/peers lists exactly them) and fetches an 8 MiB blob from
# each of the two at once, checksummed. Then c's QEMU is killed: a and b
# see "peer 2 died", their peer lists shrink to each other, their carrier
# stays on (one link is enough), and a and b exchange the blobs again,
# checksummed: one dead peer does not disturb the other pairs, and no
# guest received the other pairs' unicast traffic.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import npvcommon  # noqa: E402

KERNELS = ["6.1", "6.12"]
TIMEOUT = 300
SHM = dict(doorbell=True, format=dict(peers=3, name="three"))
QEMU = dict(smp="2")
LVOS = npvcommon.LVOS
BINARIES = npvcommon.BINARIES

COMMON = npvcommon.HELPERS + r'''
me=$LVOS_GUEST_INDEX
vmtest_eq "slot = IVPosition" "$(cat /sys/class/net/netpv0/lvos/slot)" $me
vmtest_eq "max_peers" "$(cat /sys/class/net/netpv0/lvos/max_peers)" 3
sysctl -qw net.ipv6.conf.netpv0.disable_ipv6=1
vmtest_check "netpv0 up" sh -c "ip addr add 10.1.0.$((me + 1))/24 dev netpv0 && ip link set netpv0 up"
vmtest_check "carrier" npv_wait_carrier netpv0 1 120
case $me in 0) others=1-2;; 1) others=0,2;; 2) others=0-1;; esac
vmtest_check "linked to both other peers ($others)" vmtest_wait_for 120 sh -c \
	"[ \"\$(cat /sys/class/net/netpv0/lvos/peers)\" = $others ]"
mkdir -p /www
dd if=/dev/urandom of=/www/blob bs=1M count=8 2>/dev/null
httpd -p 8080 -h /www
vmtest_log "sum $(sha256sum </www/blob | cut -d' ' -f1)"
set -- $(vmtest_wait_host '^sums ' 300)
shift
# npv_fetch J...: the blobs of guests J... at once, each checked against
# the sum guest J announced
npv_fetch() {
	for _j in "$@"; do
		(wget -q -O - http://10.1.0.$((_j + 1)):8080/blob | sha256sum | cut -d' ' -f1 >/tmp/got$_j) &
	done
	wait
	for _j in "$@"; do
		eval _want=\$S$_j
		vmtest_eq "8 MiB from guest $_j over netpv0, checksummed" "$(cat /tmp/got$_j)" "$_want"
	done
}
S0=$1 S1=$2 S2=$3
'''

GUEST_AB = COMMON + r'''
npv_fetch $((1 - me)) 2
vmtest_log fetched
vmtest_wait_host '^killed' 600
vmtest_check "peer 2 died (the server's notice)" vmtest_wait_for 60 sh -c \
	'dmesg | grep -q "netpv0: peer 2 died: link down"'
vmtest_check "peer list: the other survivor only" vmtest_wait_for 60 sh -c \
	"[ \"\$(cat /sys/class/net/netpv0/lvos/peers)\" = $((1 - me)) ]"
vmtest_eq "carrier stays on with one link left" "$(npv_carrier netpv0)" 1
o=$((1 - me))
vmtest_eq "the link to the survivor never reset (ups resets)" \
	"$(npv_stat netpv0 peer${o}_link_ups) $(npv_stat netpv0 peer${o}_resets)" "1 0"
# 16 MiB fetched plus the ACKs for the 16 MiB served: a unicast frame goes
# to its peer alone (flooded, the other pair's 16 MiB would come too)
rx=$(( $(npv_stat netpv0 q0_rx_bytes) + $(npv_stat netpv0 q1_rx_bytes) ))
vmtest_check "received 16 MiB and change, not the other pair's traffic ($rx bytes)" \
	test "$rx" -ge 16777216 -a "$rx" -lt 20971520
vmtest_log ready-again
vmtest_wait_host '^again' 300
npv_fetch $((1 - me))
vmtest_eq "no protocol errors from the survivor" \
	"$(ethtool -S netpv0 | awk -v p=peer$((1 - me))_proto_err_ '
		index($1, p) == 1 { s += $2 } END { print s + 0 }')" 0
vmtest_log done
vmtest_wait_host '^finish' 300
'''

GUEST_C = COMMON + r'''
npv_fetch 0 1
vmtest_log fetched
vmtest_log "waiting to be killed"
vmtest_wait_host '^never' 900
'''

GUESTS = [dict(name="a", GUEST=GUEST_AB), dict(name="b", GUEST=GUEST_AB),
          dict(name="c", GUEST=GUEST_C)]


def host(vms):
    a, b, c = vms["a"], vms["b"], vms["c"]
    sums = [vm.wait_line(r"^# sum (\S+)$", 600).group(1) for vm in (a, b, c)]
    for vm in (a, b, c):
        vm.send("sums " + " ".join(sums))
    for vm in (a, b, c):
        vm.wait_line(r"^# fetched$", 900)
    c.wait_line(r"^# waiting to be killed$", 600)
    c.kill()
    for vm in (a, b):
        vm.send("killed")
    for vm in (a, b):
        vm.wait_line(r"^# ready-again$", 600)
    for vm in (a, b):
        vm.send("again")
    for vm in (a, b):
        vm.wait_line(r"^# done$", 900)
    for vm in (a, b):
        vm.send("finish")
