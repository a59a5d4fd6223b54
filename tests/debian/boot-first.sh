# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Boot 1 (6.1): the packages were installed with apt (tools/debtest-stage);
# nothing but hvdetect is on until the admin enables a feature.
vmtest_eq "first boot: systemd running (not degraded)" "$(systemctl is-system-running)" running
vmtest_check "hvdetect loaded from the package's modules-load.d" grep -q '^lvos_hvdetect ' /proc/modules
others=$(grep -oE '^lvos_(pagefile|vcpu_hotplug|blkgrow|balloon) ' /proc/modules | tr -d ' ' | tr '\n' ' ')
vmtest_eq "installing enabled no other feature" "$others" ""
st=$(dkms status lvos 2>&1)
vmtest_log "dkms status: $st"
for k in /lib/modules/*/build; do
	k=${k%/build}; k=${k#/lib/modules/}
	case $st in
	*", $k, x86_64: installed"*) vmtest_ok "dkms status: lvos installed for $k" ;;
	*) vmtest_fail "dkms status: lvos installed for $k" "$st" ;;
	esac
done
vmtest_eq "modules signed by the DKMS key" "$(modinfo -F signer lvos_hvdetect)" "DKMS module signing key"
for f in pagefile hotplug blkgrow; do
	vmtest_check "lvosctl enable $f" lvosctl enable $f
done
for f in pagefile hotplug blkgrow; do
	vmtest_check "modules-load.d file for $f" test -s /etc/modules-load.d/lvos-$f.conf
done
