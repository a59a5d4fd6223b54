# SPDX-License-Identifier: GPL-2.0-only
# lvos_netpv on ivshmem regions that are not its own, and bad input.
# The host writes the region file between phases; after each, the file
# must be byte-for-byte what the host wrote (sha256): on a foreign region
# (random bytes: Looking Glass, kvmfr, a test harness), on an lvos header
# with a bad checksum, on a valid header without slot= (plain) and with a
# slot outside the region, the module writes nothing, makes no netdev and
# says why. Bad module parameters fail the load with a line naming them;
# bad sysfs writes and ethtool -L requests are refused with a log line.
import os
import random
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import npvcommon  # noqa: E402
from npvcommon import netpv  # noqa: E402

KERNELS = ["6.1", "6.12", "debug"]
TIMEOUT = 240
SHM = dict(size="8M", format=None)
QEMU = dict(smp="2")
LVOS = npvcommon.LVOS
BINARIES = npvcommon.BINARIES

GUEST = npvcommon.HELPERS + r'''
N=/sys/class/net/netpv0/lvos
none() { ! ls /sys/class/net | grep -q netpv; }
vmtest_check "zeroed region at boot: no netdev" none
vmtest_check "zeroed region: not ours, said so" sh -c 'dmesg | grep -q "without an lvos header: not ours"'
phase() {   # phase NAME EXPECTED-LOG [PARAM...]
	_n=$1 _l=$2
	shift 2
	vmtest_wait_host "^$_n\$" 120
	rmmod lvos_netpv 2>/dev/null
	dmesg -c >/dev/null
	vmtest_check "$_n: loads" npv_load "$@"
	vmtest_check "$_n: no netdev" none
	vmtest_check "$_n: logged '$_l'" sh -c "dmesg | grep -q '$_l'"
	vmtest_log "done $_n"
}
phase foreign "without an lvos header: not ours, left alone" slot=0
phase badcrc "lvos region refused (bad checksum): left alone" slot=0
phase noslot "set lvos_netpv.slot=N to use it"
phase farslot "slot 5 is outside region" slot=5
vmtest_wait_host '^params$' 120
rmmod lvos_netpv
for p in slot=16 slot=-2 peer_timeout_ms=5 peer_timeout_ms=70000 poll_us=0 poll_us=100001; do
	vmtest_check "insmod $p refused" sh -c "! insmod /lib/lvos/lvos_netpv.ko $p"
	vmtest_check "insmod $p logged" sh -c "dmesg | grep -q 'lvos_netpv: ${p%%=*}=${p#*=}: must be'"
done
vmtest_check "insmod peer_timeout_ms=abc refused" sh -c "! insmod /lib/lvos/lvos_netpv.ko peer_timeout_ms=abc"
vmtest_check "insmod slot=0" npv_load slot=0
vmtest_check "netpv0" test -d $N
expect() {
	_b=$(dmesg | grep -c "lvos_netpv: $1")
	_e=$( (echo "$2" >$N/$1) 2>&1 )
	vmtest_match "$1 <- '$2' refused" "$_e" "$3"
	vmtest_check "$1 <- '$2' logged" test "$(dmesg | grep -c "lvos_netpv: $1")" -gt "$_b"
}
expect peer_timeout_ms abc "Invalid argument"
expect peer_timeout_ms -1 "Invalid argument"
expect peer_timeout_ms 299 "out of range|not representable"
expect peer_timeout_ms 60001 "out of range|not representable"
vmtest_check "peer_timeout_ms <- 5000" sh -c "echo 5000 >$N/peer_timeout_ms"
vmtest_eq "peer_timeout_ms reads back" "$(cat $N/peer_timeout_ms)" 5000
for f in mode slot region max_peers peers; do
	vmtest_check "$f is read-only" sh -c "! echo 1 >$N/$f"
done
vmtest_check "ethtool -L combined 3 refused (2 in the layout)" sh -c '! ethtool -L netpv0 combined 3'
vmtest_check "ethtool -L combined 0 refused" sh -c '! ethtool -L netpv0 combined 0'
vmtest_check "ethtool -L combined 1" ethtool -L netpv0 combined 1
vmtest_check "rmmod" rmmod lvos_netpv
vmtest_log "done params"
'''


def host(vm):
    rnd = random.Random(42)
    path = vm.shm_path
    size = os.path.getsize(path)

    def write(data):
        with open(path, "r+b") as f:
            f.write(data)
        return npvcommon.sha(path)

    def phase(name, data):
        want = write(data)
        vm.send(name)
        vm.wait_line(r"^# done %s$" % name, 600)
        if npvcommon.sha(path) != want:
            raise AssertionError("%s: the guest wrote to the region" % name)

    phase("foreign", rnd.randbytes(size))
    good = bytearray(size)
    netpv.format_region(good, name="badinput")
    bad = bytearray(good)
    bad[60] ^= 0x20            # a letter of the name: the crc no longer matches
    phase("badcrc", bytes(bad))
    phase("noslot", bytes(good))
    phase("farslot", bytes(good))
    write(bytes(good))
    vm.send("params")
    vm.wait_line(r"^# done params$", 600)
