# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Boot 3: the 6.12 kernel, installed after lvos (dkms's kernel hook built
# lvos for it), with lvos-balloon installed in the previous boot.
vmtest_match "booted the 6.12 kernel" "$(uname -r)" '^6\.12\.'
vmtest_eq "6.12: systemd running (not degraded)" "$(systemctl is-system-running)" running
for m in lvos_hvdetect lvos_pagefile lvos_vcpu_hotplug lvos_blkgrow lvos_balloon; do
	vmtest_check "6.12: $m loaded" grep -q "^$m " /proc/modules
done
# lvos_netpv autoloads only for an ivshmem device; this guest has none
vmtest_check "6.12: modprobe lvos_netpv, no ivshmem: no netdev" \
	sh -c 'modprobe lvos_netpv && grep -q "^lvos_netpv " /proc/modules && ! ls /sys/class/net | grep -q netpv'
vmtest_wait_for 30 pf_swap && vmtest_ok "6.12: /dev/pagefile0 swap at 32767" ||
	vmtest_fail "6.12: /dev/pagefile0 swap at 32767" "$(tr '\n' '|' </proc/swaps)"
vmtest_eq "lvos-balloon installed: lvos_balloon owns the balloon device" "$(balloon_driver)" lvos_balloon
vmtest_check "apt-get remove lvos-balloon" env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q lvos-balloon
