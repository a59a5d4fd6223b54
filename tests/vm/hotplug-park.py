# SPDX-License-Identifier: GPL-2.0-only
# Density mode (park=1): vCPUs that stay idle are parked (offlined) down to
# the floor, never below it; busy vCPUs bring them back; turning the mode
# off, and unloading, unparks them all. An admin-offlined vCPU is not
# touched by either side. The waits poll with shell builtins only: on the
# debug kernel under TCG each fork+exec of a poll is enough guest CPU to
# keep the guest above the 20% idle threshold (a park took 30-53 s there
# with 0.1 s `cat` polls against ~0.6 s configured).
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import hpcommon  # noqa: E402

KERNELS = ["6.1", "debug"]
TIMEOUT = 240
QEMU = dict(machine=hpcommon.MACHINE, memory="256M", smp="4")
LVOS = hpcommon.LVOS
LVOS_PARAMS = {"lvos_vcpu_hotplug":
               "park=1 park_floor=2 park_interval_ms=200 park_after=3 unpark_above=90"}

GUEST = hpcommon.HELPERS + r'''
# the polls read with builtins only (no fork): the guest must look idle
is_parked() { hpr parked_cpus; [ "$_hp" = "$1" ]; }
is_online() { hpr online_cpus; [ "$_hp" = "$1" ]; }
# parked as lvos says and as the kernel says, read together: a busy moment
# of the test itself (the debug kernel is slow) may unpark one again later
parked_and_offline() { is_parked "$1" || return 1; _o=; read -r _o </sys/devices/system/cpu/online; [ "$_o" = "$2" ]; }
vmtest_eq "density mode on" "$(hp park)" 1
vmtest_check "idle vCPUs parked down to the floor" vmtest_wait_for 90 parked_and_offline 2-3 0-1
vmtest_check "parking logged" sh -c 'dmesg | grep -q "cpu-park cpu3: parked"'
vmtest_eq "not admin-offline" "$(hp admin_offline_cpus)" ""
# busy loops on both online vCPUs: load brings the parked ones back
pids=
for n in 1 2 3 4; do ( while :; do :; done ) & pids="$pids $!"; done
vmtest_check "busy: unparked" vmtest_wait_for 90 is_online 0-3
vmtest_eq "nothing parked" "$(hp parked_cpus)" ""
kill $pids
wait 2>/dev/null
vmtest_check "idle again: parked again" vmtest_wait_for 90 is_parked 2-3
vmtest_check "floor 1" sh -c "echo 1 > $H/park_floor"
vmtest_check "parks one more" vmtest_wait_for 90 is_parked 1-3
vmtest_check "density mode off" sh -c "echo 0 > $H/park"
vmtest_eq "all back at once" "$(cat /sys/devices/system/cpu/online)" 0-3
vmtest_eq "nothing parked after" "$(hp parked_cpus)" ""
vmtest_eq "no failures" "$(hp failures)" 0
# an admin's offline vCPU is neither parked nor brought back by either side
vmtest_check "admin offlines cpu1" sh -c 'echo 0 > /sys/devices/system/cpu/cpu1/online'
vmtest_check "density mode on again" sh -c "echo 1 > $H/park"
vmtest_check "idle: cpu2 and cpu3 parked down to the floor of 1" vmtest_wait_for 90 parked_and_offline 2-3 0
vmtest_eq "cpu1 counted as admin-offline, not parked" "$(hp admin_offline_cpus)" 1
pids=
for n in 1 2 3 4; do ( while :; do :; done ) & pids="$pids $!"; done
vmtest_check "busy: the parked ones come back" vmtest_wait_for 90 is_online 0,2-3
vmtest_eq "the admin's cpu1 stays offline" "$(cpu_on 1)" 0
kill $pids
wait 2>/dev/null
vmtest_check "idle again: parked again" vmtest_wait_for 90 is_parked 2-3
vmtest_check "unload while vCPUs are parked" rmmod lvos_vcpu_hotplug
vmtest_eq "unloading brought the parked ones back, not the admin's" "$(cat /sys/devices/system/cpu/online)" 0,2-3
'''
