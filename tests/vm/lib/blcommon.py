# SPDX-License-Identifier: GPL-2.0-only
"""Shared pieces of the lvos_balloon VM tests."""
import time

LVOS = ["lvos_balloon"]
FILES = {"/bin/pagefile-hog": "tools/pagefile-hog"}
MiB = 1 << 20
QOM = "/machine/peripheral/balloon0"


def device(oom=True, report=True, extra=""):
    """A virtio-balloon-pci (id balloon0) with the given host features."""
    return ("virtio-balloon-pci,id=balloon0,deflate-on-oom=%s,free-page-reporting=%s%s"
            % ("on" if oom else "off", "on" if report else "off", extra))


# Guest shell helpers.
#   bl FILE          /sys/kernel/lvos/balloon/FILE
#   bl_dev           the virtio balloon device (virtioN)
#   bl_driver        the driver bound to it (empty: none)
#   bl_take          bind it to lvos_balloon (the debug kernel has
#                    virtio_balloon built in: unbind that first)
#   memtotal_kb / avail_kb   /proc/meminfo
#   oom_kills        /proc/vmstat oom_kill
#   hog_start MIB    pagefile-hog holding MIB MiB of checked data until
#                    hog_check, which verifies every page (corrupt=0)
HELPERS = r'''
B=/sys/kernel/lvos/balloon
bl() { cat $B/$1; }
bl_dev() {
	for _d in /sys/bus/virtio/devices/*; do
		[ "$(cat $_d/device)" = 0x0005 ] && { basename $_d; return 0; }
	done
	return 1
}
bl_driver() { _l=$(readlink /sys/bus/virtio/devices/$(bl_dev)/driver) && basename "$_l"; }
bl_take() {
	_drv=$(bl_driver)
	[ "$_drv" = lvos_balloon ] && return 0
	[ -n "$_drv" ] && echo $(bl_dev) > /sys/bus/virtio/drivers/$_drv/unbind
	echo $(bl_dev) > /sys/bus/virtio/drivers/lvos_balloon/bind
}
memtotal_kb() { awk '/^MemTotal/ {print $2}' /proc/meminfo; }
avail_kb() { awk '/^MemAvailable/ {print $2}' /proc/meminfo; }
oom_kills() { awk '/^oom_kill / {print $2}' /proc/vmstat; }
hog_start() {
	rm -f /tmp/hog-go
	pagefile-hog --wait-file /tmp/hog-go "$1" > /tmp/hog.out 2>&1 &
	HOG=$!
	vmtest_wait_for 120 grep -q 'hog: ready' /tmp/hog.out
}
# bl_grow_past MIB: a workload MIB MiB larger than what is available runs
# to the end, its data intact, nobody OOM killed (since $k0); DEFLATED is
# then what the balloon gave way under pressure (pressure, reclaim, OOM)
bl_grow_past() {
	_grow=$(( $(avail_kb) / 1024 + $1 ))
	vmtest_log "workload grows to $_grow MiB, $(( $(avail_kb) / 1024 )) MiB available, balloon $(( $(bl actual) / 256 )) MiB"
	vmtest_check "a workload larger than what is left runs to the end" sh -c "pagefile-hog $_grow > /tmp/grow.out 2>&1"
	vmtest_match "its data intact" "$(tail -n 1 /tmp/grow.out)" '^hog-result .* corrupt=0 '
	vmtest_eq "no OOM kill" "$(oom_kills)" "$k0"
	DEFLATED=$(( $(cat $B/deflated/pressure) + $(cat $B/deflated/reclaim) + $(cat $B/deflated/oom) ))
	vmtest_log "deflated: pressure $(cat $B/deflated/pressure) reclaim $(cat $B/deflated/reclaim) oom $(cat $B/deflated/oom)"
}
hog_check() {
	touch /tmp/hog-go
	wait $HOG
	vmtest_match "$1: every page of the held data intact" "$(tail -n 1 /tmp/hog.out)" '^hog-result .* corrupt=0 '
}
'''


def actual_mib(q):
    """The guest's memory as the host sees it (RAM minus the balloon)."""
    return q.query_balloon()["actual"] // MiB


def settle(q, quiet=2.0, timeout=60.0):
    """Wait until query-balloon's actual stays put for quiet seconds.
    Returns (MiB, seconds from now until its last change)."""
    t0 = time.monotonic()
    last, changed = actual_mib(q), t0
    while time.monotonic() - changed < quiet:
        if time.monotonic() - t0 > timeout:
            raise AssertionError("the balloon never settled: %d MiB after %.0f s"
                                 % (last, timeout))
        time.sleep(0.02)
        a = actual_mib(q)
        if a != last:
            last, changed = a, time.monotonic()
    return last, changed - t0


def reach(q, mib, timeout=30.0):
    """Set the target to mib and wait until the guest is there; seconds."""
    t0 = time.monotonic()
    q.balloon(mib * MiB)
    while actual_mib(q) != mib:
        if time.monotonic() - t0 > timeout:
            raise AssertionError("target %d MiB not reached in %.0f s: actual %d MiB"
                                 % (mib, timeout, actual_mib(q)))
        time.sleep(0.01)
    return time.monotonic() - t0


def answer(vm, ready, mib, reply, wait=60, arrive=True):
    """One step of a guest/host dialogue: wait for the guest's "# READY"
    line (wait seconds, scaled), set the target to mib (and wait until the
    guest is there, unless arrive=False), then send REPLY."""
    q = vm.qmp_client
    vm.wait_line(r"# %s$" % ready, timeout=vm.limit(wait))
    if arrive:
        reach(q, mib, timeout=vm.limit(30))
    else:
        q.balloon(mib * MiB)
    vm.send(reply)


def rss_mib(vm):
    """Resident memory of the QEMU process."""
    with open("/proc/%d/status" % vm.proc.pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    raise AssertionError("no VmRSS for QEMU")


def smaps(vm):
    """QEMU's Rss and AnonHugePages (MiB) from /proc/<pid>/smaps_rollup."""
    r = {}
    with open("/proc/%d/smaps_rollup" % vm.proc.pid) as f:
        for line in f:
            p = line.split()
            if p[0] in ("Rss:", "AnonHugePages:"):
                r[p[0][:-1]] = int(p[1]) // 1024
    return r
