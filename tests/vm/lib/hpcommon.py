# SPDX-License-Identifier: GPL-2.0-only
"""Shared pieces of the lvos_vcpu_hotplug VM tests."""

LVOS = ["lvos_vcpu_hotplug"]
# q35: with the debug kernel under TCG, i440fx's _PRT costs 10-40 s per
# PCI device (kunit/debug-kernel.config); CPU and DIMM hotplug work on both.
MACHINE = "q35"

# Guest shell helpers: hp FILE reads /sys/kernel/lvos/hotplug/FILE;
# cpu_on N prints cpuN's online flag; hp_wait_event WHAT OBJECT [SECS] waits
# until the last event is WHAT on OBJECT; memtotal_kb; online_blocks counts
# memory blocks the kernel lists online.
HELPERS = r'''
H=/sys/kernel/lvos/hotplug
hp() { cat $H/$1; }
cpu_on() { cat /sys/devices/system/cpu/cpu$1/online 2>/dev/null; }
cpu_is_on() { test "$(cpu_on $1)" = 1; }
hp_is_event() { test "$(cat $H/last_event)" = "$1" && test "$(cat $H/last_event_object)" = "$2"; }
hp_wait_event() { vmtest_wait_for ${3:-30} hp_is_event "$1" "$2"; }
memtotal_kb() { awk '/^MemTotal/ {print $2}' /proc/meminfo; }
blocks_in() { grep -l "$1" /sys/devices/system/memory/memory*/state 2>/dev/null | wc -l; }
hp_state() { for f in $H/*; do echo "$(basename $f)=$(cat $f 2>/dev/null)"; done | tr '\n' ' '; echo; }
'''
