# SPDX-License-Identifier: GPL-2.0-only
"""Shared pieces of the lvos_pagefile VM tests: the guest tools, the
crypto modules the compressors need, and shell helpers for the guest."""

FILES = {"/bin/pagefile-hog": "tools/pagefile-hog"}
# Compressors (built into the debug kernel, modules on Debian's kernels).
MODULES = ["lz4", "zstd", "lzo_rle"]
OPTIONAL_MODULES = ["lzo_rle"]
LVOS = ["lvos_pagefile"]

# Guest shell helpers: pfv NAME [DEV] reads a sysfs value of pagefileN;
# hog_field FIELD reads a field of the last hog-result line in /tmp/hog.out.
HELPERS = r'''
pfv() { cat /sys/block/${2:-pagefile0}/pagefile/$1; }
hog_field() { sed -n "s/^hog-result.* $1=\([0-9]*\).*/\1/p" ${2:-/tmp/hog.out} | tail -n 1; }
memtotal_kb() { awk '/^MemTotal/ {print $2}' /proc/meminfo; }
# hog_mib PERCENT: a workload of PERCENT % of MemAvailable, in MiB. Sized
# against what the kernel can hand out, not MemTotal: the debug kernel's
# KASAN shadow, kmemleak's pool and per-object metadata leave far less of
# the same guest free, and the swap pool itself lives in that memory.
hog_mib() { awk -v p=$1 '/^MemAvailable/ {print int($2 * p / 100 / 1024)}' /proc/meminfo; }
pf_stats() { for f in /sys/block/${1:-pagefile0}/pagefile/*; do [ -r "$f" ] && echo "$(basename $f)=$(cat $f 2>/dev/null)"; done | tr '\n' ' '; echo; }
'''

# The udev rule, the systemd unit it asks for and the unit's program,
# installed where the package puts them (lvos-tools).
UDEV_FILES = {
    "/usr/lib/udev/rules.d/60-lvos-pagefile.rules": "tools/udev/60-lvos-pagefile.rules",
    "/lib/systemd/system/lvos-pagefile@.service": "packaging/systemd/lvos-pagefile@.service",
    "/usr/lib/lvos/lvos-pagefile-swapon": "tools/lvos-pagefile-swapon",
}

# What udev + systemd do for "add" of DEV (busybox has no udevd and no
# systemd; the rule's match is checked by the caller): the rule tags the
# device and wants a unit (SYSTEMD_WANTS, %k = the kernel name); PID 1 would
# start that template unit's instance, whose ExecStart (%i = the instance)
# is run here as it stands in the unit file, so a change of the rule's
# SYSTEMD_WANTS or of the unit is what the tests run. unit_cmd DEV KEY
# prints the unit's KEY= command for DEV; unit_stop DEV runs its ExecStop.
UDEV_RUN = r'''
unit_cmd() {
	rule=/usr/lib/udev/rules.d/60-lvos-pagefile.rules
	k=${1#/dev/}
	want=$(sed -n 's/.*ENV{SYSTEMD_WANTS}+="\([^"]*\)".*/\1/p' $rule)
	case $want in
	*@%k.service) ;;
	*) echo "udev_add: the rule wants no template unit for %k: '$want'" >&2; return 1 ;;
	esac
	unit=/lib/systemd/system/${want%%@*}@.service
	[ -f "$unit" ] || { echo "udev_add: no $unit" >&2; return 1; }
	sed -n "s/^$2=//p" $unit | sed "s|%i|$k|g; s|%I|$k|g"
}
udev_add() {
	cmd=$(unit_cmd "$1" ExecStart) && [ -n "$cmd" ] || return 1
	sh -c "$cmd"
}
unit_stop() {
	cmd=$(unit_cmd "$1" ExecStop) && [ -n "$cmd" ] || return 1
	sh -c "$cmd"
}
'''
