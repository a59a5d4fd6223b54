# SPDX-License-Identifier: GPL-2.0-only
"""Shared pieces of the lvos_vcpu_hotplug VM tests."""

LVOS = ["lvos_vcpu_hotplug"]
# q35: with the debug kernel under TCG, i440fx's _PRT costs 10-40 s per
# PCI device (kunit/debug-kernel.config); CPU and DIMM hotplug work on both.
MACHINE = "q35"

# Guest shell helpers: hp FILE reads /sys/kernel/lvos/hotplug/FILE; hpr
# FILE reads it into $_hp without a fork (for polls: on a TCG guest of the
# debug kernel each fork+exec is tens of ms of guest CPU, which is load
# density mode sees); cpu_on N prints cpuN's online flag; hp_wait_event
# WHAT OBJECT [SECS] waits until the last event is WHAT on OBJECT;
# memtotal_kb; online_blocks counts memory blocks the kernel lists online.
HELPERS = r'''
H=/sys/kernel/lvos/hotplug
hp() { cat $H/$1; }
hpr() { _hp=; read -r _hp <"$H/$1" 2>/dev/null; return 0; }
cpu_on() { cat /sys/devices/system/cpu/cpu$1/online 2>/dev/null; }
cpu_is_on() { _c=; read -r _c </sys/devices/system/cpu/cpu$1/online 2>/dev/null; [ "$_c" = 1 ]; }
hp_is_event() { hpr last_event; [ "$_hp" = "$1" ] || return 1; hpr last_event_object; [ "$_hp" = "$2" ]; }
hp_wait_event() { vmtest_wait_for ${3:-30} hp_is_event "$1" "$2"; }
memtotal_kb() { awk '/^MemTotal/ {print $2}' /proc/meminfo; }
blocks_in() { grep -l "$1" /sys/devices/system/memory/memory*/state 2>/dev/null | wc -l; }
hp_state() { for f in $H/*; do echo "$(basename $f)=$(cat $f 2>/dev/null)"; done | tr '\n' ' '; echo; }
'''
