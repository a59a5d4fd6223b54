# SPDX-License-Identifier: GPL-2.0
# bash completion for lvosctl(1): subcommands, features, devices, disks and
# MODULE.KEY (from the module parameters in /sys/module/lvos_*/parameters,
# the files of the loaded modules, and netpv.DEV.KEY from the lvos/ files
# of each lvos_netpv netdev).
# Installed as /usr/share/bash-completion/completions/lvosctl.

# The lvos_netpv netdevs, as lvosctl finds them: the driver link names
# lvos_netpv, or (no driver link) lvos/ holds mode, slot and region.
_lvosctl_netpv_devs()
{
	local sys=${LVOS_SYSFS_ROOT:-} d drv f
	for d in "$sys"/sys/class/net/*; do
		[ -d "$d/lvos" ] || continue
		if drv=$(readlink "$d/device/driver" 2>/dev/null); then
			[ "${drv##*/}" = lvos_netpv ] || continue
		else
			for f in mode slot region; do
				[ -f "$d/lvos/$f" ] || continue 2
			done
		fi
		echo "${d##*/}"
	done
}

_lvosctl_keys()
{
	local sys=${LVOS_SYSFS_ROOT:-} m kmod f
	for m in hv:lvos_hvdetect pagefile:lvos_pagefile hotplug:lvos_vcpu_hotplug \
		 blkgrow:lvos_blkgrow balloon:lvos_balloon; do
		kmod=${m#*:}
		m=${m%%:*}
		for f in "$sys/sys/module/$kmod/parameters/"*; do
			[ -e "$f" ] || continue
			f=${f##*/}
			case $m.$f in
			pagefile.comp) f=comp_algorithm ;;
			pagefile.recomp) f=recomp_algorithm ;;
			esac
			echo "$m.$f"
		done
	done
	for f in "$sys"/sys/kernel/lvos/*/* "$sys"/sys/kernel/lvos/hv/caps/* \
		 "$sys"/sys/kernel/lvos/balloon/deflated/*; do
		[ -f "$f" ] || continue
		f=${f#"$sys"/sys/kernel/lvos/}
		echo "${f//\//.}"
	done
	for m in $(_lvosctl_netpv_devs); do
		for f in "$sys/sys/class/net/$m/lvos/"*; do
			[ -f "$f" ] && echo "netpv.$m.${f##*/}"
		done
	done
}

_lvosctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local cmds="status hv pagefile hotplug blkgrow balloon netpv get set enable disable doctor metrics help version"
	local sys=${LVOS_SYSFS_ROOT:-} cmd="" i w

	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--textfile) ((i++)) ;;
		-*) ;;
		*) cmd=$w; break ;;
		esac
	done
	if [ "$prev" = --textfile ]; then
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return
	fi
	case $cur in
	-*)
		local opts="--json --help --version"
		case $cmd in
		status|"") opts+=" --check" ;;
		set) opts+=" --persist" ;;
		enable|disable) opts="--now --help" ;;
		metrics) opts="--textfile --help" ;;
		esac
		mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
		return
		;;
	esac
	case $cmd in
	"")
		mapfile -t COMPREPLY < <(compgen -W "$cmds" -- "$cur")
		;;
	enable|disable)
		mapfile -t COMPREPLY < <(compgen -W "pagefile hotplug blkgrow balloon hv" -- "$cur")
		;;
	pagefile)
		mapfile -t COMPREPLY < <(compgen -W "$(cd "$sys/sys/block" 2>/dev/null && ls -d pagefile* 2>/dev/null)" -- "$cur")
		;;
	blkgrow)
		mapfile -t COMPREPLY < <(compgen -W "$(ls "$sys/sys/kernel/lvos/blkgrow/disks" 2>/dev/null)" -- "$cur")
		;;
	netpv)
		mapfile -t COMPREPLY < <(compgen -W "$(_lvosctl_netpv_devs)" -- "$cur")
		;;
	get|set)
		compopt -o nospace 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -W "$(_lvosctl_keys | sort -u)" -- "$cur")
		[ "$cmd" = set ] && COMPREPLY=("${COMPREPLY[@]/%/=}")
		;;
	esac
}
complete -F _lvosctl lvosctl
