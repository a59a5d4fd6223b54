# SPDX-License-Identifier: GPL-2.0-only
# Fuzzing lvos_vcpu_hotplug (tools/lvos-sysfs-fuzz): every writable file of
# /sys/kernel/lvos/hotplug gets 10^4 generated inputs one at a time plus
# 2 x 4 x 250 from concurrent writers, while the host hot-adds two vCPUs
# and removes them again (device_add / device_del through QMP) and density
# mode, switched on and off by the fuzzer, parks and unparks vCPUs. Each
# write is judged against docs/ABI/sysfs-kernel-lvos-hotplug; the log must
# stay ratelimited; every setting is put back and every vCPU comes back
# online. Then every module parameter gets 200 generated values (25 on
# the debug kernel: fzcommon) through finit_module: refused with an errno
# and a log line, or loaded with the value in effect and unloaded (the
# kernel's memory knobs untouched).
#
# rcu_expedited: every module load and unload waits for RCU grace
# periods; expedited, a load costs a quarter of the time under TCG.
# log_buf_len: the fuzzer reads the kernel log after each file (it counts
# the lines and looks for warnings); accepted writes log thousands of lines
# that must not wrap the ring before it does.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import hpcommon  # noqa: E402
import fzcommon  # noqa: E402

KERNELS = ["debug", "6.1"]
TIMEOUT = 300
APPEND = "rcupdate.rcu_expedited=1 log_buf_len=8M"
QEMU = dict(machine=hpcommon.MACHINE, memory="256M", smp="2,maxcpus=4")
LVOS = hpcommon.LVOS
FILES = fzcommon.FILES

GUEST = hpcommon.HELPERS + fzcommon.HELPERS + r'''
knobs() { cat /sys/devices/system/memory/auto_online_blocks; }
knobs0=offline	# the kernel's default: the module itself never changes it
# rounds (seed 1, 2, ...) until the host has added and removed its vCPUs;
# the host removes a vCPU only once the kernel has it (a removal the guest
# gets before it has taken the vCPU in is lost under TCG: QEMU 7.2)
rm -f /tmp/hp-done
( vmtest_wait_host "^hotplug-done" 300 >/dev/null; touch /tmp/hp-done ) &
(
	last=
	while [ ! -e /tmp/hp-done ]; do
		p=$(cat /sys/devices/system/cpu/present)
		[ "$p" != "$last" ] && vmtest_log "present $p"
		last=$p
		sleep 0.2
	done
) &
# pr_info lines (one per accepted write, thousands) cost ~5 ms each on the
# emulated serial console: keep them off it while fuzzing; warnings and
# worse still reach it, and the fuzzer reads every line from /dev/kmsg
echo 5 > /proc/sys/kernel/printk
vmtest_log fuzzing
fz_run sysfs --min-files 7 --state /tmp/fz.state --until /tmp/hp-done
echo 7 > /proc/sys/kernel/printk
vmtest_check "the host's vCPU adds and removes are done" grep -q hotplug-done /tmp/.vmtest/host-in
vmtest_check "settings restored" lvos-sysfs-fuzz --restore /tmp/fz.state
vmtest_check "parked vCPUs back online" vmtest_wait_for 30 sh -c "test \"\$(cat /sys/devices/system/cpu/online)\" = 0-1"
vmtest_log "$(hp_state)"
vmtest_check "unload" rmmod lvos_vcpu_hotplug
vmtest_eq "memory knobs put back at unload" "$(knobs)" "$knobs0"

echo 5 > /proc/sys/kernel/printk
fz_run params --params /lib/lvos/lvos_vcpu_hotplug.ko $FZ_PARAMS
echo 7 > /proc/sys/kernel/printk
vmtest_eq "memory knobs put back after the loads" "$(knobs)" "$knobs0"
vmtest_check "every vCPU online after the loads" vmtest_wait_for 30 sh -c "test \"\$(cat /sys/devices/system/cpu/online)\" = 0-1"
'''


def host(vm):
    q = vm.qmp_client
    vm.wait_line(r"# fuzzing$", timeout=200)
    # in slot order and removed highest first (tools/vmtest_lib/qmp.py
    # cpu_add; QEMU 7.2 TCG also dies when a removed slot is plugged again)
    q.cpu_add("cpu-a")
    vm.wait_line(r"# present 0-2$", timeout=120)
    q.cpu_add("cpu-b")
    vm.wait_line(r"# present 0-3$", timeout=120)
    q.device_del("cpu-b", timeout=120)
    q.device_del("cpu-a", timeout=120)
    vm.send("hotplug-done")
