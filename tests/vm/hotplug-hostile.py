# SPDX-License-Identifier: GPL-2.0-only
# A vCPU unplug the guest cannot complete. QMP device_del of a vCPU only
# asks: QEMU sends an ACPI eject request and removes the vCPU when the
# guest ejects it. Linux ejects a processor only after taking the CPU
# offline; here it cannot, because SCHED_DEADLINE tasks reserve more
# bandwidth than the remaining CPUs could give (3 x 65% of a CPU; 2 CPUs
# give 2 x 95%): the offline fails with -EBUSY ("Offline failed."), the
# guest answers _OST "busy" and QEMU keeps the vCPU (ACPI_DEVICE_OST event,
# no DEVICE_DELETED). lvos_vcpu_hotplug reports the refusal (failures,
# last_failure* in /sys/kernel/lvos/hotplug/, a ratelimited log line), the
# CPU stays online and a checksummed workload pinned to it runs on,
# every result correct (Linux's failed offline unpins it: "no longer
# affine to cpu2"). Without the reservations the same device_del
# completes and is reported as a removal; the workload is still correct.
# The 6.12 cloud kernel refuses hot-added vCPUs under QEMU 7.2
# (hotplug-cpu-refused): 6.1 and debug only.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import hpcommon  # noqa: E402

KERNELS = ["6.1", "debug"]
TIMEOUT = 150
QEMU = dict(machine=hpcommon.MACHINE, memory="384M", smp="2,maxcpus=3")
LVOS = hpcommon.LVOS
BINARIES = ["chrt"]

GUEST = hpcommon.HELPERS + r'''
vmtest_log ready
vmtest_wait_host added 60
vmtest_check "cpu2 comes online" vmtest_wait_for 30 cpu_is_on 2
vmtest_check "reported" hp_wait_event cpu-add cpu2
dd if=/dev/urandom of=/tmp/blob bs=64K count=8 2>/dev/null
want=$(md5sum < /tmp/blob)
# the workload: checksums of the same data, over and over, on cpu2 only
cat > /tmp/work.sh <<'EOF'
while [ ! -e /tmp/stop ]; do md5sum < /tmp/blob >> /tmp/work.out; done
EOF
: > /tmp/work.out
taskset 4 sh /tmp/work.sh &
W=$!
results() { wc -l < /tmp/work.out; }
vmtest_check "workload pinned to cpu2" sh -c "taskset -p $W | grep -q 'affinity mask: 4$'"
vmtest_check "workload runs" vmtest_wait_for 30 test -s /tmp/work.out
# more deadline bandwidth than 2 CPUs hold: cpu2 cannot go offline
i=0
while [ $i -lt 3 ]; do
	chrt -d -T 6500000 -D 10000000 -P 10000000 0 sleep 600 &
	DL="$DL $!"
	i=$((i + 1))
done
dl_ok() { for _p in $DL; do chrt -p $_p | grep -q SCHED_DEADLINE || return 1; done; }
vmtest_check "deadline tasks admitted" vmtest_wait_for 10 dl_ok
f0=$(hp failures)
n0=$(results)
vmtest_log busy
vmtest_wait_host "^refused " 60
vmtest_check "refusal reported" vmtest_wait_for 10 sh -c "test \$(cat $H/failures) -gt $f0"
vmtest_eq "event" "$(hp last_failure_event)" "cpu-remove"
vmtest_match "object is the ACPI processor" "$(hp last_failure_object)" '^(ACPI0007|LNXCPU):[0-9a-f]+$'
vmtest_match "reason from the evidence" "$(hp last_failure)" '^refused by the kernel: still present after the eject request [(]_STA 0x[0-9a-f]+; dmesg says why[)]$'
vmtest_check "logged" sh -c 'dmesg | grep -q "lvos_vcpu_hotplug: cpu-remove .*: refused by the kernel: still present"'
vmtest_check "the kernel said why" sh -c 'dmesg | grep -q "processor cpu2: Offline failed"'
vmtest_check "no kernel log text in sysfs" sh -c '! grep -rq "Offline failed" /sys/kernel/lvos/hotplug/'
vmtest_check "cpu2 still online" cpu_is_on 2
vmtest_eq "still present" "$(hp present_cpus)" "0-2"
vmtest_eq "online" "$(hp online_cpus)" "0-2"
vmtest_eq "not bookkept as admin-offline" "$(hp admin_offline_cpus)" ""
vmtest_check "the workload ran on through it" test "$(results)" -gt "$n0"
# the kernel's failed offline attempt widened its affinity ("no longer
# affine to cpu2": the CPU was inactive for a moment); that is Linux's doing
vmtest_log "workload: $(taskset -p $W)"
vmtest_eq "every result correct" "$(sort -u /tmp/work.out)" "$want"
vmtest_log "$(hp_state)"
kill $DL
wait $DL 2>/dev/null
f1=$(hp failures)
n1=$(results)
vmtest_log idle
vmtest_wait_host "^removed$" 90
vmtest_check "removal reported" hp_wait_event cpu-remove cpu2
vmtest_check "cpu2 is gone" test ! -e /sys/devices/system/cpu/cpu2
vmtest_eq "present after removal" "$(hp present_cpus)" "0-1"
vmtest_eq "no new failure" "$(hp failures)" "$f1"
n2=$(results)
vmtest_check "the workload runs on elsewhere" vmtest_wait_for 30 sh -c "test \$(wc -l < /tmp/work.out) -gt $n2"
touch /tmp/stop
wait $W
vmtest_check "it ran before and after the removal" test "$(results)" -gt "$n1"
vmtest_eq "every result correct, first to last" "$(sort -u /tmp/work.out)" "$want"
vmtest_check "rmmod" rmmod lvos_vcpu_hotplug
'''


def host(vm):
    q = vm.qmp_client
    vm.wait_line(r"# ready$", timeout=120)
    q.cpu_add("cpu-a")
    vm.send("added")
    vm.wait_line(r"# busy$", timeout=120)
    since = q.event_count()
    q.device_del("cpu-a", wait=False)
    # Linux answers _OST "eject in progress" (0x84) first, then the outcome:
    # 0x82 "device busy" when the CPU would not go offline (-EBUSY)
    ev = q.wait_event("ACPI_DEVICE_OST", timeout=vm.limit(30), since=since,
                      match=lambda e: e["data"]["info"].get("status") != 0x84)
    info = ev["data"]["info"]
    print("# ACPI_DEVICE_OST %s" % info)
    if info.get("device") != "cpu-a" or info.get("source") != 3 or info.get("status") != 0x82:
        raise AssertionError("expected _OST eject (3) busy (0x82) for cpu-a: %s" % info)
    gone = [e for e in q.events()[since:] if e["event"] == "DEVICE_DELETED"]
    plugged = [c for c in q.hotpluggable_cpus()
               if c.get("qom-path") == "/machine/peripheral/cpu-a"]
    if gone or not plugged:
        raise AssertionError("QEMU removed the vCPU the guest did not eject: %s" % gone)
    vm.send("refused 0x%x" % info["status"])
    vm.wait_line(r"# idle$", timeout=vm.limit(40))
    q.device_del("cpu-a", timeout=60)
    vm.send("removed")
