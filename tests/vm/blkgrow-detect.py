# SPDX-License-Identifier: GPL-2.0-only
# The host grows a disk on each bus: virtio-blk (config interrupt),
# virtio-scsi (event queue) and pvscsi (nothing: a unit attention for the
# next command). lvos_blkgrow makes the guest see every new size within
# 2 s without guest I/O, records how each was noticed, and sends one
# event per change with the old and new size.
import os
import sys
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import bgcommon  # noqa: E402
from bgcommon import MiB  # noqa: E402

KERNELS = ["6.1", "6.12", "debug", "debug-6.12"]
TIMEOUT = 120
QEMU = dict(machine=bgcommon.MACHINE, memory="384M",
            disks=[dict(name="v", size="64M", bus="virtio-blk"),
                   dict(name="s", size="64M", bus="virtio-scsi"),
                   dict(name="p", size="64M", bus="pvscsi")])
LVOS = bgcommon.LVOS

GUEST = bgcommon.HELPERS + r'''
V=$(bg_disk virtio_blk); S=$(bg_disk virtio_scsi); P=$(bg_disk pvscsi)
vmtest_match "virtio-blk disk tracked" "$V" '^vd[a-z]+$'
vmtest_match "virtio-scsi disk tracked" "$S" '^sd[a-z]+$'
vmtest_match "pvscsi disk tracked" "$P" '^sd[a-z]+$'
vmtest_eq "virtio-blk not polled" "$(bg $V polled)" 0
vmtest_eq "virtio-scsi not polled" "$(bg $S polled)" 0
vmtest_eq "pvscsi polled" "$(bg $P polled)" 1
vmtest_eq "size known" "$(bg $P size)" 131072
vmtest_eq "no change yet" "$(bg $V source)" none
ev_start
vmtest_log ready
vmtest_wait_host resized 60
for d in $V $S $P; do
	vmtest_wait_for 10 size_is $d 262144 && vmtest_log "seen $d"
done
# the kernel's size first, then lvos's record of it (its next look, <= watch_ms)
for d in $V $S $P; do vmtest_wait_for 5 sh -c "test \$(cat $B/disks/$d/changes) -ge 1"; done
vmtest_check "virtio-blk grown" size_is $V 262144
vmtest_check "virtio-scsi grown" size_is $S 262144
vmtest_check "pvscsi grown without guest I/O" size_is $P 262144
vmtest_eq "virtio-blk source" "$(bg $V source)" config-interrupt
vmtest_eq "virtio-scsi source" "$(bg $S source)" event
vmtest_match "pvscsi source" "$(bg $P source)" '^(unit-attention|poll)$'
vmtest_eq "audit old" "$(bg $P old_size)" 131072
vmtest_eq "audit new" "$(bg $P new_size)" 262144
vmtest_eq "audit kind" "$(bg $P last_event)" grow
vmtest_eq "one change" "$(bg $P changes)" 1
vmtest_check "change time recorded" test "$(bg $P last_change)" -gt 1000000000
for d in $V $S $P; do
	vmtest_check "grow event for $d" vmtest_wait_for 5 ev_has $d grow
done
vmtest_check "event carries sizes and source" grep -q "^$V grow 131072 262144 config-interrupt 1$" /tmp/events
vmtest_check "logged" sh -c "dmesg | grep -q 'lvos_blkgrow: $P: capacity 131072 -> 262144 sectors'"
vmtest_check "polls counted" test "$(bg $P polls)" -gt 0
vmtest_eq "no poll errors" "$(bg $P poll_errors)" 0
vmtest_log "$(cat /tmp/events | tr '\n' '|')"
vmtest_log "$(bg_state $P)"
'''


def host(vm):
    vm.wait_line(r"# ready$", timeout=120)
    t0 = bgcommon.resize_all(vm, ["v", "s", "p"], 128 * MiB)
    vm.send("resized")
    limit = vm.limit(2.0)    # a deadline; the speed is measured by tools/bench
    for _ in range(3):
        m = vm.wait_line(r"# seen (\S+)$", timeout=limit + 30)
        dt = time.monotonic() - t0
        print("# %s seen %.2f s after the resize" % (m.group(1), dt))
        if dt > limit:
            raise AssertionError("%s: new size seen after %.2f s (> %.0f s)"
                                 % (m.group(1), dt, limit))
