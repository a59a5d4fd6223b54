# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Boot 1 (6.1): the packages were installed with apt (tools/debtest-stage);
# nothing but hvdetect is on until the admin enables a feature (lvos_netpv
# autoloads for the ivshmem device this boot has).
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

# lvos_netpv: this boot has an ivshmem-plain device whose region the host
# formatted; the host joins it as peer 1 for a while. The fallback
# examples lvos-tools ships, installed as their comments say.
vmtest_check "lvos_netpv autoloaded for the ivshmem device (udev, modalias)" \
	vmtest_wait_for 60 grep -q '^lvos_netpv ' /proc/modules
vmtest_check "a plain region without slot=: no netdev" sh -c '! ls /sys/class/net | grep -q netpv'
ex=/usr/share/lvos/examples/netpv
cp $ex/60-lvos-netpv.conf /etc/sysctl.d/
mkdir -p /etc/systemd/network
cp $ex/60-netpv0.network /etc/systemd/network/
vmtest_check "systemd-sysctl applies the shipped 60-lvos-netpv.conf" systemctl restart systemd-sysctl
vmtest_eq "IPv4: ignore_routes_with_linkdown" "$(sysctl -n net.ipv4.conf.all.ignore_routes_with_linkdown)" 1
echo "options lvos_netpv slot=0" >/etc/modprobe.d/lvos-netpv-test.conf
vmtest_check "modprobe -r, then modprobe with slot=0 from modprobe.d" \
	sh -c 'modprobe -r lvos_netpv && modprobe lvos_netpv'
# shellcheck disable=SC2016 # the inner sh expands it
vmtest_check "netpv0 bound to slot 0" vmtest_wait_for 30 sh -c \
	'[ "$(cat /sys/class/net/netpv0/lvos/slot 2>/dev/null)" = 0 ]'
vmtest_eq "IPv6: netpv0, created after, takes it from default" \
	"$(sysctl -n net.ipv6.conf.netpv0.ignore_routes_with_linkdown)" 1
# stands in for eth0 (this guest has no NIC), configured by networkd like
# the guest's real NIC would be: networkd installs a route with
# PreferredSource= only once that address is on a link it manages
ip link add lvos-eth0 type dummy
printf '[Match]\nName=lvos-eth0\n[Network]\nAddress=10.0.0.11/24\nLinkLocalAddressing=no\n' \
	>/etc/systemd/network/50-lvos-eth0.network
vmtest_check "systemd-networkd starts with the shipped 60-netpv0.network" systemctl start systemd-networkd
npv_route() { ip route show 10.0.0.12/32 | grep -q "dev netpv0 .*src 10.0.0.11"; }
npv_carrier_is() { [ "$(cat /sys/class/net/netpv0/carrier)" = "$1" ]; }
vmtest_check "its route to the peer through netpv0, kept while the link is down" \
	vmtest_wait_for 60 sh -c 'ip route show 10.0.0.12/32 | grep -q "dev netpv0 .*src 10.0.0.11 .*linkdown"'
vmtest_eq "netpv0 has no carrier (no peer)" "$(cat /sys/class/net/netpv0/carrier)" 0
vmtest_match "the peer is reached through 'eth0' meanwhile" "$(ip route get 10.0.0.12)" "dev lvos-eth0 "
vmtest__emit "# host-step netpv-join"
vmtest_wait_host '^joined' 120 >/dev/null
vmtest_check "carrier with the host as peer 1" vmtest_wait_for 60 npv_carrier_is 1
vmtest_match "the peer is reached through netpv0 now" "$(ip route get 10.0.0.12)" "dev netpv0 src 10.0.0.11 "
vmtest__emit "# host-step netpv-leave"
vmtest_wait_host '^left' 120 >/dev/null
vmtest_check "carrier off when the peer left" vmtest_wait_for 60 npv_carrier_is 0
vmtest_check "networkd kept the route (IgnoreCarrierLoss)" npv_route
vmtest_match "through 'eth0' again" "$(ip route get 10.0.0.12)" "dev lvos-eth0 "
vmtest_log "networkctl: $(networkctl --no-pager --no-legend list 2>&1 | tr -s ' ' | tr '\n' '|')"
# leave nothing for the next boots (which have no ivshmem device)
systemctl stop systemd-networkd.service systemd-networkd.socket
rm -f /etc/sysctl.d/60-lvos-netpv.conf /etc/systemd/network/60-netpv0.network \
	/etc/systemd/network/50-lvos-eth0.network /etc/modprobe.d/lvos-netpv-test.conf
ip link del lvos-eth0
vmtest_check "modprobe -r lvos_netpv" modprobe -r lvos_netpv
