# SPDX-License-Identifier: GPL-2.0-only
# On Debian's 6.12 kernel with QEMU 7.2 the kernel itself refuses a
# hot-added vCPU ("ACPI: Unable to map lapic to logical cpu number"): no
# CPU device appears, so there is nothing to online. lvos_vcpu_hotplug
# cannot fix that but reports it: the failure, the ACPI processor object
# and the kernel's reason, in sysfs and in the log.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import hpcommon  # noqa: E402

KERNELS = ["6.12", "debug-6.12"]
TIMEOUT = 120
QEMU = dict(machine=hpcommon.MACHINE, memory="384M", smp="2,maxcpus=4")
LVOS = hpcommon.LVOS

GUEST = hpcommon.HELPERS + r'''
vmtest_eq "no failure yet" "$(hp last_failure)" "none"
vmtest_log ready
vmtest_wait_host added 60
vmtest_check "failure reported" vmtest_wait_for 30 sh -c "test \$(cat $H/failures) -eq 1"
vmtest_eq "event" "$(hp last_failure_event)" "cpu-add"
vmtest_match "object is the ACPI processor" "$(hp last_failure_object)" '^(ACPI0007|LNXCPU):[0-9]+$'
vmtest_match "reason from the evidence" "$(hp last_failure)" '^refused by the kernel: present [(]_STA 0x[0-9a-f]+[)], no CPU bound to it [(]dmesg says why[)]$'
vmtest_eq "no CPU appeared" "$(hp present_cpus)" "0-1"
vmtest_check "logged" sh -c 'dmesg | grep -q "lvos_vcpu_hotplug: cpu-add .*refused by the kernel"'
# the kernel's own line stays in the (restricted) log: no sysfs file copies it
vmtest_check "the kernel said why" sh -c 'dmesg | grep -qi "unable to map lapic"'
vmtest_check "no kernel log text in sysfs" sh -c '! grep -rqi lapic /sys/kernel/lvos/hotplug/'
vmtest_log "$(hp_state)"
'''


def host(vm):
    vm.wait_line(r"# ready$", timeout=120)
    vm.qmp_client.cpu_add("cpu-a")
    vm.send("added")
