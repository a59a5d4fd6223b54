# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Boot 2 (6.1), after the reboot: what lvosctl enable switched on comes up
# by itself through systemd-modules-load, the real udevd and PID 1; the
# host grows a disk and hot-adds a vCPU and a DIMM.
vmtest_eq "after reboot: systemd running (not degraded)" "$(systemctl is-system-running)" running
for m in lvos_hvdetect lvos_pagefile lvos_vcpu_hotplug lvos_blkgrow; do
	vmtest_check "$m loaded at boot" grep -q "^$m " /proc/modules
done
if vmtest_wait_for 30 pf_swap; then
	vmtest_ok "/dev/pagefile0 is swap at priority 32767 (udev -> systemd unit)"
else
	vmtest_fail "/dev/pagefile0 is swap at priority 32767 (udev -> systemd unit)" \
		"/proc/swaps: $(tr '\n' '|' </proc/swaps); unit: $(systemctl is-active lvos-pagefile@pagefile0.service)"
fi
vmtest_eq "lvos-pagefile@pagefile0.service active" "$(systemctl is-active lvos-pagefile@pagefile0.service)" active

# a data disk, grown by the host while mounted (fstab x-lvos.grow)
dev=/dev/disk/by-id/virtio-lvosdata
vmtest_check "data disk present" test -b $dev
mkfs.ext4 -q -L lvosdata $dev
mkdir -p /mnt/data
echo "LABEL=lvosdata /mnt/data ext4 defaults,x-lvos.grow 0 2" >>/etc/fstab
mount /mnt/data
head -c 8M /dev/urandom >/mnt/data/blob
sum0=$(sha256sum </mnt/data/blob)
size0=$(df -B1 --output=size /mnt/data | tail -n 1)
vmtest_log "data fs $size0 bytes"
vmtest__emit "# host-step grow"
vmtest_wait_host '^grown' 60 >/dev/null
grown() { [ "$(df -B1 --output=size /mnt/data | tail -n 1)" -gt $((size0 * 3 / 2)) ]; }
if vmtest_wait_for 60 grown; then
	vmtest_ok "mounted filesystem grew through udev -> lvos-blkgrow (systemd-run)"
else
	vmtest_fail "mounted filesystem grew through udev -> lvos-blkgrow (systemd-run)" \
		"size $(df -B1 --output=size /mnt/data | tail -n 1); journal: $(journalctl -b -t lvos-blkgrow --no-pager | tail -n 3 | tr '\n' '|')"
fi
vmtest_eq "data intact after the grow" "$(sha256sum </mnt/data/blob)" "$sum0"

# hot-added vCPU and DIMM
mem0=$(grep -l online /sys/devices/system/memory/memory*/state | wc -l)
vmtest__emit "# host-step hotplug"
vmtest_wait_host '^plugged' 60 >/dev/null
cpu1() { [ "$(cat /sys/devices/system/cpu/cpu1/online 2>/dev/null)" = 1 ]; }
vmtest_wait_for 60 cpu1 && vmtest_ok "hot-added vCPU online" ||
	vmtest_fail "hot-added vCPU online" "cpu1: $(cat /sys/devices/system/cpu/cpu1/online 2>&1)"
memup() { [ "$(grep -l online /sys/devices/system/memory/memory*/state | wc -l)" -gt "$mem0" ] &&
	! grep -q offline /sys/devices/system/memory/memory*/state; }
vmtest_wait_for 60 memup && vmtest_ok "hot-added DIMM online" ||
	vmtest_fail "hot-added DIMM online" "blocks online $(grep -l online /sys/devices/system/memory/memory*/state | wc -l), before $mem0"

# lvosctl: the host checks the JSON against its schema and the metrics with promtool
vmtest_check "lvosctl status" lvosctl status
lvosctl status --json >/tmp/status.json; rc=$?
vmtest_eq "lvosctl status --json exit status" "$rc" 0
vmtest_send_file status.json /tmp/status.json
lvosctl metrics >/tmp/metrics.prom; rc=$?
vmtest_eq "lvosctl metrics exit status" "$rc" 0
vmtest_send_file metrics.prom /tmp/metrics.prom
vmtest_check "lvosctl as a user (reading needs no root)" setpriv --reuid=65534 --regid=65534 --clear-groups lvosctl status
vmtest_match "dkms state in lvosctl status" "$(lvosctl status)" "dkms"
vmtest_check "lvosctl doctor: no problem on the installed system (both kernels)" lvosctl doctor

# the balloon switch package, for the next boot
vmtest_check "apt-get install lvos-balloon" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q lvos-balloon
