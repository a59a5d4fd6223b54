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


server = _server()

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
