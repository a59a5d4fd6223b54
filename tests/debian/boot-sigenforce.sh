# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Boot 4 (6.1, module.sig_enforce=1: what Secure Boot does to a module
# signed by a key the firmware does not know): the lvos modules are refused
# and lvosctl doctor names the fix. lvos-balloon was removed: virtio_balloon
# owns the device again. Then everything is purged.
vmtest_eq "lvos-balloon removed: virtio_balloon owns the device again" "$(balloon_driver)" virtio_balloon
vmtest_eq "sig_enforce on" "$(cat /sys/module/module/parameters/sig_enforce)" Y
out=$(modprobe lvos_hvdetect 2>&1); rc=$?
vmtest_match "sig_enforce: modprobe lvos_hvdetect refused" "rc=$rc $out" 'rc=[1-9].*(Key was rejected|rejected)'
doc=$(lvosctl doctor 2>&1); rc=$?
vmtest_log "lvosctl doctor: $(printf '%s' "$doc" | tr '\n' '|')"
vmtest_eq "lvosctl doctor exit status: a problem" "$rc" 1
vmtest_match "lvosctl doctor names the MOK fix" "$doc" 'mokutil --import /var/lib/dkms/mok.pub'
vmtest_match "lvosctl doctor looks at the 6.12 kernel too" "$doc" 'modules: 6\.12\.[^ ]*: lvos built'

vmtest_check "apt-get purge lvos-tools lvos-dkms" env DEBIAN_FRONTEND=noninteractive \
	apt-get purge -y -q lvos-tools lvos-dkms
left=$(ls -d /usr/src/lvos-* /var/lib/dkms/lvos /lib/modules/*/updates/dkms/lvos_* \
	/lib/systemd/system/lvos-* /etc/systemd/system/*/lvos-metrics* /etc/modules-load.d/lvos* \
	/usr/lib/modules-load.d/lvos* /lib/udev/rules.d/*lvos* /etc/lvos /usr/bin/lvosctl 2>/dev/null | tr '\n' ' ')
vmtest_eq "purge leaves nothing of lvos" "$left" ""
