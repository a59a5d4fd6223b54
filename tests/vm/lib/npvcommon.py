# SPDX-License-Identifier: GPL-2.0-only
"""Shared pieces of the lvos_netpv VM tests (tests/vm/netpv-*.py).

Region formatting and parsing come from tools/lvos-ivshmem-server (the one
implementation of the layout on the host side; include/lvos/netpv.h is the
kernel's)."""

import hashlib
import importlib.machinery
import importlib.util
import os

_TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def _server():
    path = os.path.join(_TOP, "tools", "lvos-ivshmem-server")
    loader = importlib.machinery.SourceFileLoader("lvos_ivshmem_server", path)
    spec = importlib.util.spec_from_loader("lvos_ivshmem_server", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


try:
    server = _server()
except FileNotFoundError:     # TEMP until the server lands
    server = None


def fmt(path, peers=2, queues=2, entries=256, arena=512 * 1024, name="test"):
    """TEMP: format a plain region (the server's format_region replaces this)."""
    import struct
    import zlib
    size = os.path.getsize(path)
    slot_off = 4096
    chan_off = (slot_off + peers * 256 + 4095) & ~4095
    chan_bytes = 4096 + ((entries * 32 + 4095) & ~4095) + arena
    h = struct.pack('<8sHHIQHHIIIIIIII32s', b"LVOSNPV\0", 1, 0, 4096, size, peers, queues,
                    entries, arena, slot_off, 256, chan_off, chan_bytes, 3, 0, name.encode())
    h += struct.pack('<I', zlib.crc32(h))
    with open(path, "r+b") as f:
        f.write(b"\0" * size)
        f.seek(0)
        f.write(h)
    return zlib.crc32(h)


def mac(crc, slot):
    return "02:4c:56:%02x:%02x:%02x" % ((crc >> 8) & 0xff, crc & 0xff, slot)

KO = "/lib/lvos/lvos_netpv.ko"
LVOS = ["lvos_netpv"]
BINARIES = ["ethtool"]


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
