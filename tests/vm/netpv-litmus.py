# SPDX-License-Identifier: GPL-2.0-only
# The TCG litmus the net-pv tests rest on: two guests (separate QEMU
# processes) add to one u64 in a shared ivshmem region with lock xadd,
# 3,000,000 times each, at the same time. The sum must be exact with the
# vCPU setups the netpv tests use: guest a with -smp 2, guest b with
# -smp 1,maxcpus=2 (QEMU 7.2 TCG emits guest atomics atomically only when
# the machine may run more than one vCPU thread). lvos_netpv's rings need
# no cross-VM read-modify-write; this pins the harness, not the driver.
import os
import struct

KERNELS = ["6.1"]
TIMEOUT = 240
SHM = dict(size="1M", format=None)
FILES = {"/bin/npv-litmus": "tools/npv-litmus"}
ITER = 3000000

COMMON = r'''
dev=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat $d/vendor)" = 0x1af4 ] && [ "$(cat $d/device)" = 0x1110 ] && dev=$d
done
vmtest_check "ivshmem present" test -n "$dev"
echo 1 >"$dev/enable"
vmtest_log ready
vmtest_wait_host '^go$' 120
vmtest_check "%(n)d lock xadds on the shared counter" npv-litmus "$dev/resource2" %(n)d
vmtest_log added
''' % dict(n=ITER)

GUESTS = [dict(name="a", GUEST=COMMON, QEMU=dict(smp="2")),
          dict(name="b", GUEST=COMMON, QEMU=dict(smp="1,maxcpus=2"))]


def host(vms):
    a, b = vms["a"], vms["b"]
    a.wait_line(r"^# ready$", 600)
    b.wait_line(r"^# ready$", 600)
    a.send("go")
    b.send("go")
    a.wait_line(r"^# added$", 600)
    b.wait_line(r"^# added$", 600)
    with open(vms.shm_path, "rb") as f:
        f.seek(512)
        total = struct.unpack("<Q", f.read(8))[0]
    with open(os.path.join(vms.dir, "litmus"), "w") as f:
        f.write("%d\n" % total)
    if total != 2 * ITER:
        raise AssertionError("shared counter %d, want %d: %d increments lost across the two "
                             "QEMU processes" % (total, 2 * ITER, 2 * ITER - total))
