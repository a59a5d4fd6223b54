# SPDX-License-Identifier: GPL-2.0-only
# Benchmark (not a test): time from a hot-add reaching the guest to the
# resource being online, lvos_vcpu_hotplug vs a udev-rule-style baseline
# (what RHEL/SUSE ship: a userspace listener that writes "online" on the
# uevent; here busybox's uevent applet running a shell per event, as udev
# forks a RUN program), in one guest and one run, alternating per round.
# Both latencies are measured the same way, by lvos_vcpu_hotplug itself
# (in manual mode it only observes): from the CPU device / first memory
# block device appearing to the CPU's online callback / the last block's
# MEM_ONLINE. For vCPUs also the dispatch time, from the kernel's hot-add
# line to its bring-up line in the log: the part lvos or the listener
# controls (the rest is the kernel bringing the CPU up). Per round: one vCPU (QMP device_add) and one 1 GiB pc-dimm
# (8 memory blocks of 128 MiB) per mode. Run with tools/bench/hotplug.
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vm", "lib"))
import hpcommon  # noqa: E402

KERNELS = ["6.1"]     # 6.12 refuses CPU hot-add under QEMU 7.2 (see README)
TIMEOUT = 900
ROUNDS = 5
QEMU = dict(machine=hpcommon.MACHINE, memory="512M,slots=%d,maxmem=%dG" % (2 * ROUNDS, 2 * ROUNDS + 2),
            smp="1,maxcpus=%d" % (1 + 2 * ROUNDS))
LVOS = hpcommon.LVOS

GUEST = hpcommon.HELPERS + r'''
ROUNDS=@ROUNDS@
cat > /tmp/online-on-uevent <<'EOS'
#!/bin/sh
# the udev rule's job: online what was added (RHEL 40-redhat.rules style)
[ "$ACTION" = add ] || exit 0
case "$SUBSYSTEM" in
cpu) echo 1 > /sys$DEVPATH/online ;;
memory) echo online > /sys$DEVPATH/state ;;
esac
EOS
chmod +x /tmp/online-on-uevent
out=/tmp/bench
echo "config kernel=$(uname -r) rounds=$ROUNDS cpus=$(nproc) memory=$(awk '/^MemTotal/ {print $2}' /proc/meminfo)kB" > $out
# wait_ev KIND N: the last event is KIND, says online, and is newer than event N
wait_ev() { vmtest_wait_for 60 sh -c "grep -qx $1 $H/last_event && grep -q '^online' $H/last_event_outcome && test \$(cat $H/events) -gt $2"; }
# mode NAME: lvos onlines (lvos) or only observes while the listener does (udev)
mode() {
	if [ "$1" = lvos ]; then
		[ -n "$listener" ] && kill $listener && wait $listener 2>/dev/null
		listener=
		echo auto > $H/cpu_policy
		echo auto > $H/memory_policy
		vmtest_wait_for 10 sh -c 'grep -qx online /sys/devices/system/memory/auto_online_blocks'
	else
		echo manual > $H/cpu_policy
		echo manual > $H/memory_policy
		vmtest_wait_for 10 sh -c 'grep -qx offline /sys/devices/system/memory/auto_online_blocks'
		uevent /tmp/online-on-uevent &
		listener=$!
		sleep 1    # the listener's socket is bound (benchmark setup, not a test)
	fi
}
listener=
r=1
while [ $r -le $ROUNDS ]; do
	for m in lvos udev; do
		[ $((r % 2)) = 0 ] && m=$( [ $m = lvos ] && echo udev || echo lvos )
		mode $m
		n=$(hp events)
		vmtest_log "want-cpu $r $m"
		vmtest_wait_host "cpu-added $r $m" 120
		wait_ev cpu-add $n || echo "run $m round=$r kind=cpu failed" >> $out
		# dispatch: from the kernel's "CPUn has been hot-added" to its
		# "Booting ... Processor n" (bring-up starts), both from the log
		c=$(hp last_event_object | sed 's/^cpu//')
		t_add=$(dmesg | sed -n "s/^\[ *\([0-9.]*\)\] CPU$c has been hot-added.*/\1/p" | tail -n 1)
		t_boot=$(dmesg | sed -n "s/^\[ *\([0-9.]*\)\] smpboot: Booting Node [0-9]* Processor $c .*/\1/p" | tail -n 1)
		d=$(awk "BEGIN { if (\"$t_add\" != \"\" && \"$t_boot\" != \"\") printf \"%d\", ($t_boot - $t_add) * 1000000; else print -1 }")
		echo "run $m round=$r kind=cpu latency_us=$(hp last_event_latency_us) dispatch_us=$d outcome=$(hp last_event_outcome | tr ' ' _)" >> $out
		n=$(hp events)
		vmtest_log "want-mem $r $m"
		vmtest_wait_host "mem-added $r $m" 120
		wait_ev memory-add $n || echo "run $m round=$r kind=memory failed" >> $out
		echo "run $m round=$r kind=memory latency_us=$(hp last_event_latency_us) outcome=$(hp last_event_outcome | tr ' ' _)" >> $out
	done
	r=$((r + 1))
done
[ -n "$listener" ] && kill $listener
cat $out
vmtest_send_file bench $out
vmtest_check "benchmark ran" true
'''.replace("@ROUNDS@", str(ROUNDS))


def host(vm):
    q = vm.qmp_client
    n = 0
    for r in range(1, ROUNDS + 1):
        for _ in range(2):
            mode = vm.wait_line(r"# want-cpu %d (\w+)" % r, timeout=300).group(1)
            n += 1
            q.cpu_add("cpu%d" % n)
            vm.send("cpu-added %d %s" % (r, mode))
            vm.wait_line(r"# want-mem %d %s" % (r, mode), timeout=300)
            q.dimm_add("dimm%d" % n, 1 << 30)
            vm.send("mem-added %d %s" % (r, mode))
