# SPDX-License-Identifier: GPL-2.0-only
# Benchmark (not a test): in one guest, side by side, the stock
# systemd-detect-virt and lvos (lvos-detect-virt over /sys/kernel/lvos/hv),
# plus lvos_hvdetect's own detection time over repeated loads.
# Run with tools/bench/hvdetect; numbers come back in the "bench" file.
import os
import subprocess

KERNELS = ["6.1"]
TIMEOUT = 300
QEMU = dict(devices=["virtio-balloon-pci"],
            disks=[dict(name="d0", size="16M", format="qcow2", bus="virtio-blk")])
LVOS = ["lvos_hvdetect"]   # loaded by the harness; the guest reloads it
RUNS = 20


def _ldd_files(binary):
    """The binary and every shared library it needs, at the same paths."""
    files = {binary: binary}
    out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        path = parts[2] if "=>" in parts and len(parts) > 2 else parts[0]
        if path.startswith("/"):
            files[path] = os.path.realpath(path)
    return files


FILES = {"/bin/lvos-detect-virt": "tools/lvos-detect-virt"}
FILES.update(_ldd_files("/usr/bin/systemd-detect-virt"))

GUEST = r'''
RUNS=%(runs)d
ko=/lib/lvos/lvos_hvdetect.ko
rmmod lvos_hvdetect
# uptime in centiseconds
cs() { awk '{ printf "%%d\n", $1 * 100 }' /proc/uptime; }
: > /tmp/bench
loads=
i=0
while [ $i -lt $RUNS ]; do
	insmod $ko || { vmtest_fail "insmod $i"; break; }
	loads="$loads $(cat /sys/kernel/lvos/hv/detect_ns)"
	rmmod lvos_hvdetect || { vmtest_fail "rmmod $i"; break; }
	i=$((i + 1))
done
vmtest_check "hvdetect loaded and unloaded $RUNS times" test $i -eq $RUNS
echo "detect_ns$loads" >> /tmp/bench
insmod $ko
sd=$(systemd-detect-virt); lv=$(lvos-detect-virt)
vmtest_log "answers: systemd-detect-virt=$sd lvos=$lv"
echo "answer systemd-detect-virt=$sd lvos=$lv" >> /tmp/bench
for tool in systemd-detect-virt lvos-detect-virt; do
	t0=$(cs); i=0
	while [ $i -lt $RUNS ]; do $tool > /dev/null; i=$((i + 1)); done
	echo "query $tool $RUNS runs $(( $(cs) - t0 ))0 ms" >> /tmp/bench
done
vmtest_send_file bench /tmp/bench
''' % dict(runs=RUNS)
