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

# The udev rule and its helper, installed where the package puts them.
UDEV_FILES = {
    "/usr/lib/udev/rules.d/60-lvos-pagefile.rules": "tools/udev/60-lvos-pagefile.rules",
    "/usr/lib/lvos/lvos-pagefile-swapon": "tools/lvos-pagefile-swapon",
}

# What udev does for "add" of DEV: run the rule's RUN+= program with $devnode
# (busybox has no udevd; the rule's match is checked by the caller).
UDEV_RUN = r'''
udev_add() {
	rule=/usr/lib/udev/rules.d/60-lvos-pagefile.rules
	cmd=$(sed -n 's/.*RUN+="\([^"]*\)".*/\1/p' $rule | sed "s|\$devnode|$1|")
	sh -c "$cmd"
}
'''
