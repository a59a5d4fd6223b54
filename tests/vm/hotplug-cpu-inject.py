# SPDX-License-Identifier: GPL-2.0-only
# lvos_vcpu_hotplug's vCPU online path (add_cpu() through the device core)
# on kernels where QEMU 7.2 cannot hot-add a vCPU: Debian's 6.12 refuses
# it ("Unable to map lapic", hotplug-cpu-refused.py). The guest boots 5
# CPUs with 2 online (maxcpus=2); lvos leaves CPUs offline at load to the
# admin, and the test build's debugfs inject_cpu_add hands one to lvos as
# the cpu_subsys ADD_DEVICE event of a hot-add would.
#
# Covered on 6.12: everything from lvos's bus notifier on - the settle
# work, add_cpu() under the device core, the cpu-add report with its
# latency, the shape notification, an admin-offlined vCPU never brought
# back, cpu_policy manual leaving a new vCPU offline and saying so.
# Not covered on 6.12: QEMU's device_add and the kernel's ACPI hot-add
# (acpi_processor_hotadd_init() -> register_cpu()) that sends that event,
# and vCPU removal (device_del/eject): hotplug-cpu.py covers them on 6.1.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import hpcommon  # noqa: E402

KERNELS = ["6.1", "6.12", "debug"]
TIMEOUT = 180
APPEND = "maxcpus=2"
QEMU = dict(machine=hpcommon.MACHINE, memory="384M", smp="5")
LVOS = hpcommon.LVOS

GUEST = hpcommon.HELPERS + r'''
inject() { echo "$1" > /sys/kernel/debug/lvos_vcpu_hotplug/inject_cpu_add; }
vmtest_eq "policy" "$(hp cpu_policy)" "auto (onlining)"
vmtest_eq "online at load" "$(hp online_cpus)" "0-1"
vmtest_eq "present" "$(hp present_cpus)" "0-4"
# lvos cannot tell why a present CPU is offline at load: the admin's
vmtest_eq "offline at load left to the admin" "$(hp admin_offline_cpus)" "2-4"
vmtest_check "an online CPU is refused" sh -c '! echo 1 > /sys/kernel/debug/lvos_vcpu_hotplug/inject_cpu_add'
n0=$(hp notifications)
t0=$(vmtest_now_cs)
vmtest_check "cpu2 handed to lvos as hot-added" inject 2
hp_cpu_added 2 $t0
vmtest_eq "no longer the admin's" "$(hp admin_offline_cpus)" "3-4"
vmtest_check "shape notification sent" vmtest_wait_for 10 sh -c "test \$(cat $H/notifications) -gt $n0"
vmtest_check "admin offlines cpu1" sh -c 'echo 0 > /sys/devices/system/cpu/cpu1/online'
vmtest_check "bookkept as admin-offline" vmtest_wait_for 10 sh -c "test \"\$(cat $H/admin_offline_cpus)\" = 1,3-4"
vmtest_check "cpu3 handed to lvos" inject 3
vmtest_check "cpu3 comes online" vmtest_wait_for 30 cpu_is_on 3
vmtest_check "cpu3 reported" hp_wait_event cpu-add cpu3
vmtest_eq "cpu1 stays offline" "$(cpu_on 1)" 0
vmtest_eq "online list" "$(hp online_cpus)" "0,2-3"
vmtest_check "cpu_policy manual" sh -c "echo manual > $H/cpu_policy"
vmtest_check "cpu4 handed to lvos" inject 4
vmtest_check "manual: reported" hp_wait_event cpu-add cpu4
vmtest_eq "manual: outcome" "$(hp last_event_outcome)" "left offline (cpu_policy manual)"
vmtest_eq "manual: cpu4 offline" "$(cpu_on 4)" 0
vmtest_eq "no failures" "$(hp failures)" 0
vmtest_log "$(hp_state)"
vmtest_check "rmmod" rmmod lvos_vcpu_hotplug
'''
