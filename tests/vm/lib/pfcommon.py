# SPDX-License-Identifier: GPL-2.0-only
"""Shared pieces of the lvos_pagefile VM tests: the guest tools, the
crypto modules the compressors need, and shell helpers for the guest."""

FILES = {"/bin/pagefile-hog": "tools/pagefile-hog"}
# Compressors (built into the debug kernel, modules on Debian's kernels).
MODULES = ["lz4", "zstd", "lzo_rle"]
OPTIONAL_MODULES = ["lzo_rle"]
LVOS = ["lvos_pagefile"]

# Guest shell helpers: pfv NAME [DEV] reads a sysfs value of pagefileN;
# hog_result FIELD reads a field of the last hog-result line in /tmp/hog.out.
HELPERS = r'''
pfv() { cat /sys/block/${2:-pagefile0}/pagefile/$1; }
hog_field() { sed -n "s/^hog-result.* $1=\([0-9]*\).*/\1/p" ${2:-/tmp/hog.out} | tail -n 1; }
memtotal_kb() { awk '/^MemTotal/ {print $2}' /proc/meminfo; }
pf_stats() { for f in /sys/block/${1:-pagefile0}/pagefile/*; do [ -r "$f" ] && echo "$(basename $f)=$(cat $f 2>/dev/null)"; done | tr '\n' ' '; echo; }
'''
