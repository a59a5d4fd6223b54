# SPDX-License-Identifier: GPL-2.0-only
# Two guests on an ivshmem-plain region (polled; slot= from the guest
# index) plus the harness's virtio-net link: 64 MiB each way over both
# queues (npv_bulk), then the routing fallback users get from the example
# config (docs/netpv.md; the harness's LINK "tap": tap + bridge): each
# guest applies the shipped packaging/examples/netpv/60-lvos-netpv.conf
# (ignore_routes_with_linkdown) and routes the peer's eth0 address /32
# through netpv0 as its 60-netpv0.network does. A TCP stream from b
# to a (an HTTP response paced over ~40 s) starts over netpv0; b unloads
# lvos_netpv mid-stream: a's carrier drops, the stream continues over
# virtio-net; b reloads it: the link and the route come back and the
# stream finishes on netpv0. The stream arrives byte-exact (sha256), and
# eth0 and netpv0 each carried part of it.
import os
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import npvcommon  # noqa: E402

KERNELS = ["6.1", "6.12"]
TIMEOUT = 360
LINK = "tap"
SHM = dict(size="8M", format=dict(peers=2, name="fallback"))
QEMU = dict(smp="2")
LVOS = npvcommon.LVOS
BINARIES = npvcommon.BINARIES
# the example config lvos-tools ships (/usr/share/lvos/examples/netpv)
FILES = {"/etc/sysctl.d/60-lvos-netpv.conf": "packaging/examples/netpv/60-lvos-netpv.conf"}

COMMON = npvcommon.HELPERS + r'''
vmtest_check "eth0 up" sh -c "ip addr add 10.0.0.$((LVOS_GUEST_INDEX + 1))/24 dev eth0 && ip link set eth0 up"
vmtest_check "no netpv0 without slot= (plain region)" test ! -e /sys/class/net/netpv0
npv_up
vmtest_eq "mode" "$(cat /sys/class/net/netpv0/lvos/mode)" plain
vmtest_check "carrier" npv_wait_carrier netpv0 1 120
npv_bulk
peer=10.0.0.$((2 - LVOS_GUEST_INDEX))
vmtest_check "the shipped sysctl example applies" sysctl -q -p /etc/sysctl.d/60-lvos-netpv.conf
vmtest_eq "ignore_routes_with_linkdown on" "$(sysctl -n net.ipv4.conf.all.ignore_routes_with_linkdown)" 1
me=10.0.0.$((LVOS_GUEST_INDEX + 1))
# src: the eth0 address, so the connection's addresses exist either way
route_up() { ip route replace $peer/32 dev netpv0 src $me metric 10; }
vmtest_check "route to the peer's eth0 address through netpv0" route_up
rx() { cat /sys/class/net/$1/statistics/rx_bytes; }
tx() { cat /sys/class/net/$1/statistics/tx_bytes; }
'''

GUEST_A = COMMON + r'''
vmtest_log fallback-ready
set -- $(vmtest_wait_host '^stream ' 300)
e0=$(rx eth0) n0=$(rx netpv0)
(wget -q -O - http://10.0.0.2:8080/cgi-bin/stream | sha256sum | cut -d' ' -f1 >/tmp/sum) &
wpid=$!
vmtest_wait_host '^unloaded' 300
vmtest_check "carrier off while b has no lvos_netpv" npv_wait_carrier netpv0 0 60
e1=$(rx eth0)
vmtest_check "the peer is reached through eth0 now" sh -c "ip route get $peer | grep -q 'dev eth0'"
vmtest_check "the stream goes on over virtio-net" \
	vmtest_wait_for 120 sh -c "[ \$(cat /sys/class/net/eth0/statistics/rx_bytes) -gt $((e1 + 2097152)) ]"
vmtest_log a-down
vmtest_wait_host '^reloaded' 300
vmtest_check "carrier back" npv_wait_carrier netpv0 1 120
n2=$(rx netpv0)
vmtest_log a-up
wait $wpid
vmtest_eq "the stream arrived whole across both switches (sha256)" "$(cat /tmp/sum)" "$2"
vmtest_log "eth0 $(( $(rx eth0) - e0 )) bytes, netpv0 $(( $(rx netpv0) - n0 )) bytes during the stream"
vmtest_check "netpv0 carried part of it after the return ($(( $(rx netpv0) - n2 )) bytes)" test $(( $(rx netpv0) - n2 )) -gt 1048576
vmtest_log stream-done
'''

GUEST_B = COMMON + r'''
# the stream: 800 chunks of 80 KiB, 50 ms apart (about 64 MiB, >= 40 s)
mkdir -p /www/cgi-bin
dd if=/dev/urandom of=/tmp/chunk bs=16k count=5 2>/dev/null
cat >/www/cgi-bin/stream <<'CGI'
#!/bin/sh
printf 'Content-Type: application/octet-stream\r\n\r\n'
i=0
while [ $i -lt 800 ]; do cat /tmp/chunk; sleep 0.05; i=$((i + 1)); done
CGI
chmod +x /www/cgi-bin/stream
sum=$(i=0; while [ $i -lt 800 ]; do cat /tmp/chunk; i=$((i + 1)); done | sha256sum | cut -d' ' -f1)
httpd -p 8080 -h /www
vmtest_log "stream $sum"
vmtest_wait_host '^go-unload' 300
vmtest_check "rmmod lvos_netpv mid-stream" rmmod lvos_netpv
vmtest_log unloaded
vmtest_wait_host '^go-reload' 300
npv_up
vmtest_check "route back through netpv0" route_up
vmtest_log reloaded
vmtest_wait_host '^stream-done' 300
'''

GUESTS = [dict(name="a", GUEST=GUEST_A), dict(name="b", GUEST=GUEST_B)]


def host(vms):
    a, b = vms["a"], vms["b"]
    npvcommon.bulk_host(vms)
    a.wait_line(r"^# fallback-ready$", 600)
    s = b.wait_line(r"^# stream (\S+)", 600).group(1)
    a.send("stream %s" % s)
    # let the stream run over netpv0 for a while (bytes, not time: a's
    # netpv0 counters are visible in the region's slot rx_bytes)
    reg = npvcommon.netpv.Region(vms.shm_path)
    base = reg.slot_get(0, "rx_bytes")
    end = time.monotonic() + a.limit(120)
    while reg.slot_get(0, "rx_bytes") - base < 2 << 20:
        if time.monotonic() > end:
            raise AssertionError("the stream did not start over netpv0")
        time.sleep(0.1)
    b.send("go-unload")
    b.wait_line(r"^# unloaded$", 600)
    a.send("unloaded")
    a.wait_line(r"^# a-down$", 600)
    b.send("go-reload")
    b.wait_line(r"^# reloaded$", 600)
    a.send("reloaded")
    a.wait_line(r"^# stream-done$", 900)
    b.send("stream-done")
