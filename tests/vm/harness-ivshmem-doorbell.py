# SPDX-License-Identifier: GPL-2.0-only
# tools/vmtest self-test for SHM doorbell: two guests with ivshmem-doorbell
# served by tools/lvos-ivshmem-server, which the harness runs in-process
# and which formats the region (lvos_netpv header) before QEMU starts.
# No lvos module: the guests read the device through sysfs.
#
#   each guest reads IVPosition (BAR0 + 8) and the first header words
#   through BAR2, and reports them with BAR2's size;
#   host() checks the ids are 0 (a) and 1 (b) and match the server's peers,
#   that the region file's header is valid and the guests see it, then
#   kills guest b's QEMU (vm.kill()) and checks that the server noticed
#   and marked b's slot DEAD (generation bumped) in the region file.
#
# Register access: busybox devmem on the BAR's sysfs resourceN file, made
# /dev/mem by a symlink (devmem mmap()s /dev/mem with the address as the
# offset), so it works alike on every kernel (the debug kernel has no
# /dev/mem; STRICT_DEVMEM would refuse BAR0 once a driver claims it).
#
#   LVOS_ACCEL=tcg tools/vmtest --kernel 6.1 tests/vm/harness-ivshmem-doorbell.py

import os
import struct

from vmtest_lib import netpv

KERNELS = ["6.1"]
TIMEOUT = 150
SHM = dict(size="8M", doorbell=True, vectors=3,
           format=dict(peers=2, queues=2, entries=256, arena="512K", name="hv-selftest"))
MAGIC_WORDS = struct.unpack("<II", b"LVOSNPV\0")

GUEST = r'''
ivshmem=
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat $d/vendor)" = 0x1af4 ] && [ "$(cat $d/device)" = 0x1110 ]; then
		ivshmem=$d
	fi
done
vmtest_check "ivshmem (1af4:1110) present" test -n "$ivshmem"
echo 1 >"$ivshmem/enable"
# ivshmem-doorbell has BAR1 (the MSI-X table); ivshmem-plain has none
bar1=$(sed -n 2p "$ivshmem/resource" | cut -d' ' -f1)
vmtest_check "BAR1 (MSI-X) present: doorbell, not plain" test "$((bar1))" -ne 0
set -- $(sed -n 3p "$ivshmem/resource")
bar2_size=$(($2 - $1 + 1))

bar_read() {	# bar_read N OFFSET: a 32-bit word of BAR N
	rm -f /dev/mem
	ln -s "$ivshmem/resource$1" /dev/mem
	devmem $(printf '0x%%x' "$2") 32
}
pos=$(bar_read 0 8)
vmtest_match "IVPosition read" "$pos" '^0x[0-9A-F]{8}$'
w0=$(bar_read 2 0)
w1=$(bar_read 2 4)
vmtest_eq "BAR2 starts with the header magic LVOSNPV" "$w0 $w1" "0x%(m0)08X 0x%(m1)08X"
vmtest_log "ivposition $pos bar2 $bar2_size"

if [ "$LVOS_GUEST_NAME" = a ]; then
	line=$(vmtest_wait_host '^(done|fail)' 240)
	vmtest_eq "host() result" "$line" done
else
	# host() kills this guest's QEMU while it waits here
	vmtest_wait_host '^never$' 600
	vmtest_fail "guest b was not killed"
fi
''' % dict(m0=MAGIC_WORDS[0], m1=MAGIC_WORDS[1])

GUESTS = [dict(name="a"), dict(name="b")]


def host(vms):
    a, b = vms["a"], vms["b"]
    srv = vms.server
    if srv is None or a.server is not srv or b.server is not srv:
        raise AssertionError("vms.server / vm.server not set for SHM doorbell")
    if not (vms.shm_path == a.shm_path == srv.shm_path):
        raise AssertionError("shm paths differ: %s %s %s" % (vms.shm_path, a.shm_path,
                                                           srv.shm_path))
    try:
        pos = {}
        bar2 = {}
        for vm in (a, b):
            m = vm.wait_line(r"^# ivposition (0x[0-9A-Fa-f]+) bar2 (\d+)$", vm.limit(60))
            pos[vm.name] = int(m.group(1), 16)
            bar2[vm.name] = int(m.group(2))
        # the harness connects the QEMUs in GUESTS order
        if pos != dict(a=0, b=1) or (a.shm_id, b.shm_id) != (0, 1):
            raise AssertionError("IVPositions %r, vm.shm_id %r %r: want a 0, b 1"
                                 % (pos, a.shm_id, b.shm_id))
        if srv.peer_ids() != [0, 1]:
            raise AssertionError("server peers %r, want [0, 1]" % srv.peer_ids())
        with netpv.Region(vms.shm_path) as r:
            h = r.hdr
            want = dict(max_peers=2, nqueues=2, ring_entries=256, arena_bytes=512 << 10,
                        region_bytes=8 << 20, name="hv-selftest", features=3, server_flags=1)
            got = {k: h[k] for k in want}
            if got != want:
                raise AssertionError("header %r, want %r" % (got, want))
            for vm in (a, b):
                if bar2[vm.name] != r.size:
                    raise AssertionError("guest %s: BAR2 of %d bytes, the region file has %d"
                                         % (vm.name, bar2[vm.name], r.size))
            sb = pos["b"]
            gen0 = r.slot_get(sb, "generation")
            state0 = r.slot_get(sb, "state")
            if (state0, gen0) != (netpv.STATE_EMPTY, 0):
                raise AssertionError("slot %d before the kill: state %d generation %d"
                                     % (sb, state0, gen0))
            since = len(srv.events)
            b.kill()
            if b.alive():
                raise AssertionError("guest b's QEMU survived vm.kill()")
            srv.wait_event("disconnect", sb, timeout=a.limit(10), since=since)
            state, gen = r.slot_get(sb, "state"), r.slot_get(sb, "generation")
            if (state, gen) != (netpv.STATE_DEAD, gen0 + 1):
                raise AssertionError("slot %d after the kill: state %d generation %d, want "
                                     "DEAD (2) and %d" % (sb, state, gen, gen0 + 1))
            sa = pos["a"]
            if r.slot_get(sa, "state") != netpv.STATE_EMPTY:
                raise AssertionError("slot %d (a, alive) is not EMPTY" % sa)
            if srv.peer_ids() != [sa]:
                raise AssertionError("server peers %r after the kill, want [%d]"
                                     % (srv.peer_ids(), sa))
        with open(os.path.join(vms.dir, "b-slot"), "w") as f:
            f.write("%d\n" % sb)
    except BaseException:
        if a.alive():
            a.send("fail")
        raise
    a.send("done")


def check(run):
    with open(os.path.join(run.dir, "b-slot")) as f:
        sb = int(f.read())
    with netpv.Region(run.shm_path) as r:
        return [
            (r.hdr["name"] == "hv-selftest", "the region's header is valid after the run"),
            (r.slot_get(sb, "state") == netpv.STATE_DEAD, "slot %d (b) stays DEAD" % sb),
            (run.server is not None, "run.server is set"),
        ]
