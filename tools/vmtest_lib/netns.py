# SPDX-License-Identifier: GPL-2.0-only
"""LINK = "tap": the guests' NICs on one bridge in a private network
namespace.

The namespace holds a bridge (vmbr0) and one tap per guest (vmtap0,
vmtap1, ...), created with vnet_hdr (so QEMU passes checksum offload and
64 KiB GSO frames through; a -netdev socket cannot) and with multi_queue
when the test asks for LINK_QUEUES > 1. QEMU runs inside the namespace
(`ip netns exec NS qemu-system-x86_64 ...`: ip execs QEMU, so the pid the
harness holds is QEMU's) and opens its tap by name; vhost is off (these
hosts have no /dev/vhost-net). Nothing touches the host's own network: the
namespace is deleted after the run, also when it failed, and namespaces
a killed harness left behind (its pid is in the name) are deleted by the
next one."""

import json
import os
import re
import subprocess
import threading

PREFIX = "lvos-vmtest-"
BRIDGE = "vmbr0"
TAP = "vmtap%d"

_seq = 0
_seq_lock = threading.Lock()


class NetnsError(Exception):
    pass


def _ip(*args, check=True):
    p = subprocess.run(["ip"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       universal_newlines=True)
    if check and p.returncode != 0:
        raise NetnsError("ip %s: %s" % (" ".join(args), p.stdout.strip()))
    return p.stdout


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_stale():
    """Delete namespaces of harness processes that no longer exist."""
    for line in _ip("netns", "list", check=False).splitlines():
        name = line.split()[0] if line.split() else ""
        m = re.match(r"^%s(\d+)-\d+$" % re.escape(PREFIX), name)
        if m and int(m.group(1)) != os.getpid() and not _pid_alive(int(m.group(1))):
            _ip("netns", "del", name, check=False)


class TapNet:
    """The namespace of one run: create(), then args(i) for guest i's
    QEMU, wrap(cmd) to run it inside, delete() (idempotent) at the end."""

    def __init__(self, nguests, queues=1):
        global _seq
        with _seq_lock:
            _seq += 1
            self.name = "%s%d-%d" % (PREFIX, os.getpid(), _seq)
        self.nguests = nguests
        self.queues = queues
        self.created = False

    def create(self):
        if os.geteuid() != 0:
            raise NetnsError('LINK = "tap" needs root (ip netns, tuntap)')
        if not os.path.exists("/dev/net/tun"):
            raise NetnsError('LINK = "tap": /dev/net/tun is missing')
        reap_stale()
        _ip("netns", "add", self.name)
        self.created = True
        try:
            _ip("-n", self.name, "link", "add", BRIDGE, "type", "bridge", "forward_delay", "0")
            for i in range(self.nguests):
                tap = TAP % i
                _ip("-n", self.name, "tuntap", "add", "dev", tap, "mode", "tap", "vnet_hdr",
                    *(["multi_queue"] if self.queues > 1 else []))
                _ip("-n", self.name, "link", "set", tap, "master", BRIDGE)
                _ip("-n", self.name, "link", "set", tap, "up")
            _ip("-n", self.name, "link", "set", BRIDGE, "up")
        except NetnsError:
            self.delete()
            raise
        return self

    def args(self, index, mac):
        """-netdev/-device for guest index with MAC address mac."""
        q = self.queues
        return ["-netdev", "tap,id=vmtest-link,ifname=%s,script=no,downscript=no,vhost=off,"
                "vnet_hdr=on%s" % (TAP % index, ",queues=%d" % q if q > 1 else ""),
                "-device", "virtio-net-pci,netdev=vmtest-link,mac=%s%s"
                % (mac, ",mq=on,vectors=%d" % (2 * q + 2) if q > 1 else "")]

    def wrap(self, cmd):
        return ["ip", "netns", "exec", self.name] + list(cmd)

    def delete(self):
        if self.created:
            _ip("netns", "del", self.name, check=False)
            self.created = False

    def stats(self):
        """{tap: dict(rx_bytes=, tx_bytes=, rx_packets=, tx_packets=)} seen
        from the host's side of each tap (rx: what the guest sent)."""
        out = {}
        for link in json.loads(_ip("-j", "-s", "-n", self.name, "link", "show")):
            if not re.match(r"^vmtap\d+$", link.get("ifname", "")):
                continue
            st = link.get("stats64", {})
            out[link["ifname"]] = dict(
                rx_bytes=st["rx"]["bytes"], tx_bytes=st["tx"]["bytes"],
                rx_packets=st["rx"]["packets"], tx_packets=st["tx"]["packets"])
        return out
