# SPDX-License-Identifier: GPL-2.0-only
# tools/vmtest self-test for LINK = "tap": two guests on a bridge in a
# private network namespace, vnet_hdr taps with two queues each.
#
#   - each guest's eth0 offers checksum offload and TSO (what LINK = "net",
#     a -netdev socket without vnet_hdr, cannot) and has two queue pairs;
#   - b sends a 4 MiB random file to a over TCP (busybox nc, sha256 on
#     both sides) and runs 2 s of netpv-blast bulk TCP (2 streams) whose
#     byte count a's receiver must match;
#   - host(): both QEMUs run in a network namespace other than the
#     harness's, and the host side of b's tap saw at least the bytes b sent;
#   - check(): the namespace is gone after the run.
#
#   tools/vmtest tests/vm/harness-tap.py

import os
import subprocess

KERNELS = ["6.1", "6.12"]
TIMEOUT = 180
LINK = "tap"
LINK_QUEUES = 2
QEMU = dict(smp="2")
FILES = {"/bin/netpv-blast": "tools/netpv-blast"}

COMMON = r'''
me=10.0.0.$((LVOS_GUEST_INDEX + 1))
vmtest_check "eth0 up as $me" sh -c "ip addr add $me/24 dev eth0 && ip link set eth0 up"
f=$(netpv-blast features eth0)
echo "$f"
vmtest_match "eth0 offers checksum offload and TSO" "$f" " csum=on tso=on "
vmtest_match "eth0 has two queue pairs" "$f" " rx_queues=2 tx_queues=2 "
'''

GUEST_A = COMMON + r'''
netpv-blast tcp-recv 5001 120 >/tmp/recv 2>/tmp/recv.err &
# Busybox nc stops reading the network at stdin EOF and, with stdin open,
# does not exit at the network's EOF: keep stdin open, wait for the size.
sleep 300 | timeout 120 nc -l -p 5002 >/tmp/file &
vmtest_log ready
vmtest_check "4 MiB arrived" vmtest_wait_for 120 sh -c 'test $(wc -c </tmp/file) -ge 4194304'
kill $(pidof sleep) 2>/dev/null
vmtest_log "sha $(sha256sum </tmp/file | cut -d' ' -f1) $(wc -c </tmp/file)"
vmtest_wait_for 120 sh -c 'test $(grep -c "^result mode=tcp-recv" /tmp/recv) -ge 2'
vmtest_send_file recv /tmp/recv
'''

GUEST_B = COMMON + r'''
head -c 4194304 /dev/urandom >/tmp/file
vmtest_wait_host '^go$' 120
sent=
i=0
while [ $i -lt 100 ]; do
	i=$((i + 1))
	if timeout 60 nc 10.0.0.1 5002 </tmp/file; then
		sent=1
		break
	fi
	sleep 0.2
done
vmtest_eq "file sent to a" "$sent" 1
vmtest_log "sha $(sha256sum </tmp/file | cut -d' ' -f1) $(wc -c </tmp/file)"
vmtest_check "bulk TCP, 2 streams, 2 s" sh -c 'netpv-blast tcp-send 10.0.0.1 5001 2 2 >/tmp/send'
cat /tmp/send
vmtest_log "$(cat /tmp/send)"
vmtest_send_file send /tmp/send
'''

GUESTS = [dict(name="a", GUEST=GUEST_A), dict(name="b", GUEST=GUEST_B)]


def _ns(pid):
    return os.readlink("/proc/%d/ns/net" % pid)


def host(vms):
    a, b = vms["a"], vms["b"]
    with open(os.path.join(vms.dir, "netns-name"), "w") as f:
        f.write(vms.tapnet.name + "\n")
    mine = _ns(os.getpid())
    for vm in vms:
        with open("/proc/%d/comm" % vm.proc.pid) as f:
            comm = f.read().strip()
        if not comm.startswith("qemu"):
            raise AssertionError("guest %s: pid %d is %r, not QEMU" % (vm.name, vm.proc.pid, comm))
        if _ns(vm.proc.pid) == mine:
            raise AssertionError("guest %s: QEMU runs in the harness's network namespace"
                                 % vm.name)
    a.wait_line(r"^# ready$", 600)
    b.send("go")
    sha_a = a.wait_line(r"^# sha (\S+ \d+)$", 600).group(1)
    sha_b = b.wait_line(r"^# sha (\S+ \d+)$", 600).group(1)
    if sha_a != sha_b:
        raise AssertionError("a received %s, b sent %s" % (sha_a, sha_b))
    m = b.wait_line(r"^# result mode=tcp streams=2 bytes=(\d+) ", 600)
    st = vms.tapnet.stats()
    with open(os.path.join(vms.dir, "tap-stats"), "w") as f:
        f.write("%r\n" % st)
    if st["vmtap1"]["rx_bytes"] < int(m.group(1)):
        raise AssertionError("b's tap received %d bytes from b, b sent %s over TCP"
                             % (st["vmtap1"]["rx_bytes"], m.group(1)))


def check(run):
    def lines(name, mode):
        with open(run.files[name]) as f:
            return [dict(kv.split("=", 1) for kv in line.split()[1:])
                    for line in f if line.startswith("result mode=%s " % mode)]
    sent = lines("b/send", "tcp")
    recv = lines("a/recv", "tcp-recv")
    total = sum(int(r["bytes"]) for r in recv)
    with open(os.path.join(run.dir, "netns-name")) as f:
        ns = f.read().strip()
    left = subprocess.run(["ip", "netns", "list"], stdout=subprocess.PIPE,
                          universal_newlines=True).stdout.split()
    return [
        (len(sent) == 1 and int(sent[0]["bytes"]) > 0, "b sent bytes: %r" % sent),
        (len(recv) == 2 and sent and total == int(sent[0]["bytes"]),
         "a's 2 receivers got what b sent (%d)" % total),
        (ns not in left, "namespace %s deleted after the run" % ns),
    ]
