# SPDX-License-Identifier: GPL-2.0-only
# tools/vmtest self-test for two guests: a virtio-net link between them
# (LINK = "net") and an ivshmem region they and the host share (SHM).
#
#   guest a (10.0.0.1) listens with busybox nc, guest b (10.0.0.2) sends to it
#   (with retries: the two guests boot independently);
#   host() gives a a nonce, a writes "LVOS" + nonce into ivshmem BAR2, host()
#   reads the shared file and hands the words to b, which must read the same
#   words through its own BAR2; check() verifies the file after the run.
#
# BAR2 access: busybox devmem at the BAR2 physical address (/dev/mem; the
# stock kernels' STRICT_DEVMEM allows it because no driver claims the BAR).
# The debug kernel has no /dev/mem (allnoconfig, CONFIG_DEVMEM unset), so
# there /dev/mem is made a symlink to the BAR's sysfs resource2 file, which
# devmem then mmap()s with the address used as the offset into the BAR.
#
#   tools/vmtest tests/vm/harness-twoguests.py

import os
import random
import struct

KERNELS = ["6.1", "debug"]
TIMEOUT = 120
LINK = "net"
SHM = "1M"
MAGIC = 0x534F564C            # little-endian: the bytes "LVOS"

COMMON = r'''
me=10.0.0.$((LVOS_GUEST_INDEX + 1))
vmtest_check "eth0 up as $me" sh -c "ip addr add $me/24 dev eth0 && ip link set eth0 up"

ivshmem=
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat $d/vendor)" = 0x1af4 ] && [ "$(cat $d/device)" = 0x1110 ]; then
		ivshmem=$d
	fi
done
vmtest_check "ivshmem-plain (1af4:1110) present" test -n "$ivshmem"
echo 1 >"$ivshmem/enable"
bar2=$(sed -n 3p "$ivshmem/resource" | cut -d' ' -f1)
if [ -c /dev/mem ]; then
	base=$bar2
	vmtest_log "ivshmem BAR2 at $bar2 via /dev/mem"
else
	ln -s "$ivshmem/resource2" /dev/mem
	base=0
	vmtest_log "ivshmem BAR2 at $bar2 via $ivshmem/resource2 (no /dev/mem)"
fi
shm_read() { devmem $(printf '0x%x' $((base + $1))) 32; }
shm_write() { devmem $(printf '0x%x' $((base + $1))) 32 "$2"; }
'''

GUEST_A = COMMON + r'''
# Listen first (bounded), then do the shared-memory part while b connects.
timeout 90 nc -l -p 1234 >/tmp/msg &
ncpid=$!

line=$(vmtest_wait_host '^nonce ' 60)
nonce=${line#nonce }
vmtest_check "write magic to BAR2+0" shm_write 0 0x%(magic)08X
vmtest_check "write nonce to BAR2+4" shm_write 4 "$nonce"
vmtest_eq "BAR2 reads back" "$(shm_read 0) $(shm_read 4)" "0x%(magic)08X $nonce"
vmtest_log shm-written

wait $ncpid
vmtest_eq "nc -l exit status" "$?" 0
vmtest_eq "message from b" "$(cat /tmp/msg)" "hello from b"
''' % dict(magic=MAGIC)

GUEST_B = COMMON + r'''
sent=
i=0
while [ $i -lt 150 ]; do
	i=$((i + 1))
	if echo "hello from b" | timeout 5 nc 10.0.0.1 1234; then
		sent=1
		break
	fi
	sleep 0.2
done
if [ -n "$sent" ]; then
	vmtest_ok "sent message to a (attempt $i)"
else
	vmtest_fail "sent message to a" "$i attempts failed"
fi

line=$(vmtest_wait_host '^shm ' 90)
vmtest_eq "b reads a's words through its own BAR2" "$(shm_read 0) $(shm_read 4)" "${line#shm }"
'''

GUESTS = [dict(name="a", GUEST=GUEST_A), dict(name="b", GUEST=GUEST_B)]


def host(vms):
    a, b = vms["a"], vms["b"]
    nonce = random.randrange(1, 1 << 32)
    # Runs of different kernels share this module: keep per-run state in
    # the run directory, not in globals.
    with open(os.path.join(vms.dir, "nonce"), "w") as f:
        f.write("%d\n" % nonce)
    a.send("nonce 0x%08X" % nonce)
    a.wait_line(r"^# shm-written$", 600)
    with open(vms.shm_path, "rb") as f:
        words = struct.unpack("<II", f.read(8))
    if words != (MAGIC, nonce):
        raise AssertionError("shared file holds %08x %08x, want %08x %08x"
                             % (words + (MAGIC, nonce)))
    b.send("shm 0x%08X 0x%08X" % words)


def check(run):
    with open(os.path.join(run.dir, "nonce")) as f:
        nonce = int(f.read())
    with open(run.shm_path, "rb") as f:
        data = f.read()
    return [
        (data[:4] == b"LVOS", "shared file starts with LVOS (%r)" % data[:4]),
        (struct.unpack("<I", data[4:8])[0] == nonce, "shared file holds the nonce"),
        (len(data) == 1 << 20, "shared file is 1M"),
    ]
