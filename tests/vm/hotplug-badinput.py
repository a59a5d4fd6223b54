# SPDX-License-Identifier: GPL-2.0-only
# Bad input to lvos_vcpu_hotplug: every writable setting rejects unknown,
# negative, huge and non-numeric values with the right errno and a log
# line naming the setting, and keeps its value; bad module parameters fail
# the load with a log line. Then 5 load/unload cycles with readers racing
# the unload, and the kernel's memory settings restored each time (KASAN,
# lockdep and kmemleak watch on the debug kernel).
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import hpcommon  # noqa: E402

KERNELS = ["6.1", "debug"]
TIMEOUT = 180
QEMU = dict(machine=hpcommon.MACHINE, memory="256M", smp="2")
LVOS = hpcommon.LVOS

GUEST = hpcommon.HELPERS + r'''
# the log line of a rejected write: modes (lvos_hp_bad), numbers and
# booleans (include/lvos/sysfs.h)
REJECTED="(rejected '|'.*' is not (a number|0 or 1)|[0-9]+ is out of range)"
# expect FILE VALUE ERRNO-TEXT: the write fails with that error, logs a
# line (the first 10 in a burst: the log is ratelimited, 10 lines per 5 s)
# and leaves the value as it was
nbad=0
expect() {
	was=$(cat $H/$1)
	before=$(dmesg | grep -cE "lvos_vcpu_hotplug: $1: $REJECTED")
	err=$( (echo "$2" > $H/$1) 2>&1 )
	vmtest_match "$1 <- '$2' rejected" "$err" "$3"
	after=$(dmesg | grep -cE "lvos_vcpu_hotplug: $1: $REJECTED")
	nbad=$((nbad + 1))
	[ $nbad -le 10 ] && vmtest_check "$1 <- '$2' logged" test "$after" -gt "$before"
	vmtest_eq "$1 unchanged" "$(cat $H/$1)" "$was"
}
EINVAL="Invalid argument"
ERANGE="out of range|not representable"
expect cpu_policy bogus "$EINVAL"
expect cpu_policy "" "$EINVAL"
expect memory_policy Online "$EINVAL"
expect movable_ratio -1 "$EINVAL"
expect movable_ratio abc "$EINVAL"
expect movable_ratio 3001 "$ERANGE"
expect movable_ratio 99999999999 "$ERANGE"
expect retune maybe "$EINVAL"
expect park 2 "$EINVAL"
expect park_floor 0 "$ERANGE"
expect park_floor 999 "$ERANGE"
expect park_floor x "$EINVAL"
expect park_interval_ms 50 "$ERANGE"
expect park_interval_ms 70000 "$ERANGE"
expect park_interval_ms -5 "$EINVAL"
# a burst of 30 bad writes (shell builtins, well under the 5 s window)
# logs at most 20 lines even if it straddles two windows
b0=$(dmesg | grep -cE "lvos_vcpu_hotplug: [a-z_]+: $REJECTED")
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30; do
	echo bogus > $H/cpu_policy 2>/dev/null
done
b1=$(dmesg | grep -cE "lvos_vcpu_hotplug: [a-z_]+: $REJECTED")
vmtest_check "the log is ratelimited ($((b1 - b0)) lines for 30 bad writes)" test $((b1 - b0)) -le 20
vmtest_check "read-only files refuse writes" sh -c "! echo 1 > $H/events"
vmtest_check "good values accepted" sh -c "echo online > $H/cpu_policy && echo 1000 > $H/movable_ratio && echo 0 > $H/retune && echo 500 > $H/park_interval_ms"
vmtest_eq "cpu_policy set" "$(hp cpu_policy)" "online (onlining)"
vmtest_check "unload" rmmod lvos_vcpu_hotplug
vmtest_eq "auto_online_blocks restored" "$(cat /sys/devices/system/memory/auto_online_blocks)" offline

# bad module parameters fail the load and say why
ko=/lib/lvos/lvos_vcpu_hotplug.ko
for p in cpu_policy=bogus memory_policy= movable_ratio=5000 park_floor=0 \
	 park_interval_ms=10 park_below=80 park_after=0; do
	vmtest_check "insmod $p refused" sh -c "! insmod $ko $p"
	vmtest_check "insmod $p logged" sh -c "dmesg | tail -n 3 | grep -q '${p%%=*}'"
done
vmtest_check "no directory left behind" test ! -e $H

# load/unload loop with readers racing the unload
( while :; do cat $H/* >/dev/null 2>&1; done ) &
reader=$!
i=0
while [ $i -lt 5 ]; do
	insmod $ko park=1 park_interval_ms=100 || break
	test -e $H/events || break
	echo 0 > /sys/devices/system/cpu/cpu1/online
	echo 1 > /sys/devices/system/cpu/cpu1/online
	rmmod lvos_vcpu_hotplug || break
	test "$(cat /sys/devices/system/memory/auto_online_blocks)" = offline || break
	i=$((i + 1))
done
kill $reader
wait $reader 2>/dev/null
vmtest_eq "5 load/unload cycles" "$i" 5
vmtest_eq "both vCPUs online after density mode unloads" "$(cat /sys/devices/system/cpu/online)" 0-1
'''
