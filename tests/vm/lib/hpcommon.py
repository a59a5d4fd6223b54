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
# hp_cpu_added N T0: cpuN came online by itself, reported as a cpu-add with
# outcome online and a latency within the time waited since T0
# (vmtest_now_cs, taken before the hot-add).
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
hp_cpu_added() {
	vmtest_check "cpu$1 comes online by itself" vmtest_wait_for 30 cpu_is_on $1
	vmtest_check "reported" hp_wait_event cpu-add cpu$1
	_t1=$(vmtest_now_cs)
	vmtest_eq "outcome" "$(hp last_event_outcome)" "online"
	_lat=$(hp last_event_latency_us)
	vmtest_check "latency measured ($_lat us, within the $(( (_t1 - $2) * 10 )) ms waited)" \
		test "$_lat" -gt 0 -a "$_lat" -le $(( (_t1 - $2 + 1) * 10000 ))
}
'''

# The memory-hotplug policy ships as a udev rule and its program, installed
# where a package puts them; MEMPOL_FILES adds them to the guest.
MEMPOL_RULE = "/usr/lib/udev/rules.d/62-lvos-hotplug-memory.rules"
MEMPOL_FILES = {
    MEMPOL_RULE: "tools/udev/62-lvos-hotplug-memory.rules",
    "/usr/lib/lvos/lvos-memory-policy": "tools/lvos-memory-policy",
}

# What udevd does with the module's uevents, for a guest without udevd:
#   mempol_start      listen (busybox uevent); for every event whose
#                     SUBSYSTEM, KERNEL (last DEVPATH part) and ACTION match
#                     a line of the shipped rule, run that line's RUN
#                     program; /tmp/mev.log gets "ACTION rc=N" per run
#   mempol_mark       remember how many runs there were
#   mempol_wait ACT   wait until a run for ACT after the mark finished, rc 0
#   mempol_run ACT    run the rule's program for ACT by hand, as udevadm
#                     trigger would replay it (for a load before the listener)
#   knobs             "auto_online_blocks online_policy auto_movable_ratio"
MEMPOL = r'''
cat > /tmp/mev-lib.sh <<'EOL'
MR=/usr/lib/udev/rules.d/62-lvos-hotplug-memory.rules
AO=/sys/devices/system/memory/auto_online_blocks
MP=/sys/module/memory_hotplug/parameters
knobs() { echo "$(cat $AO) $(cat $MP/online_policy) $(cat $MP/auto_movable_ratio)"; }
# ACTION SUBSYSTEM KERNEL: the RUN program of the matching rule line
mempol_cmd() {
	grep -v '^#' $MR | while read -r line; do
		a=$(echo "$line" | sed -n 's/.*ACTION=="\([^"]*\)".*/\1/p')
		s=$(echo "$line" | sed -n 's/.*SUBSYSTEM=="\([^"]*\)".*/\1/p')
		k=$(echo "$line" | sed -n 's/.*KERNEL=="\([^"]*\)".*/\1/p')
		[ "$s" = "$2" ] && [ "$k" = "$3" ] || continue
		case "|$a|" in
		*"|$1|"*) echo "$line" | sed -n 's/.*RUN+="\([^"]*\)".*/\1/p' ;;
		esac
	done
}
EOL
. /tmp/mev-lib.sh
mempol_start() {
	cat > /tmp/mev.sh <<'EOS'
#!/bin/sh
. /tmp/mev-lib.sh
cmd=$(mempol_cmd "$ACTION" "$SUBSYSTEM" "${DEVPATH##*/}")
[ -n "$cmd" ] || exit 0
sh -c "$cmd" >> /tmp/mev.out 2>&1
echo "$ACTION rc=$?" >> /tmp/mev.log
EOS
	chmod +x /tmp/mev.sh
	: > /tmp/mev.log
	uevent /tmp/mev.sh &
}
mempol_mark() { _mev=$(wc -l < /tmp/mev.log); }
mempol_done() { tail -n +$((_mev + 1)) /tmp/mev.log | grep -qx "$1 rc=0"; }
mempol_wait() { vmtest_wait_for ${2:-30} mempol_done "$1"; }
mempol_run() { sh -c "$(mempol_cmd "$1" module lvos_vcpu_hotplug)"; }
'''
