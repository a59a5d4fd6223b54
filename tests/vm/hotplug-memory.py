# SPDX-License-Identifier: GPL-2.0-only
# lvos_vcpu_hotplug: a 256 MiB pc-dimm hot-added while the guest has
# little free memory comes online by itself (6.1 leaves it offline
# without lvos; 6.12 onlines it already and lvos does not act twice), in
# ZONE_MOVABLE under the auto-movable ratio, with no OOM; the add is
# reported with its latency; device_del of the movable DIMM succeeds and
# the guest shrinks back. With movable_ratio 0 the next DIMM goes to the
# kernel zone, and when the host unplugs it while kernel memory sits in it
# the kernel refuses and lvos reports the reason.
# The policy is the shipped udev rule's program (tools/lvos-memory-policy),
# run here on the module's real uevents (busybox uevent stands in for
# udevd): loading the module changes nothing by itself, the module has no
# file I/O (check() below), an "offline" written by tmpfiles before the load
# is kept, a ratio the admin writes after the load survives a re-apply, and
# after the unload every knob lvos wrote is back.
import os
import subprocess
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import hpcommon  # noqa: E402

KERNELS = ["6.1", "6.12", "debug"]
TIMEOUT = 300
QEMU = dict(machine=hpcommon.MACHINE, memory="320M,slots=2,maxmem=1G", smp="1")
LVOS = hpcommon.LVOS
FILES = hpcommon.MEMPOL_FILES
KO = "lvos_vcpu_hotplug"

GUEST = hpcommon.HELPERS + hpcommon.MEMPOL + r'''
P=/sys/module/memory_hotplug/parameters
def_ao=offline
[ "$LVOS_SERIES" = 6.12 ] && def_ao=online
vmtest_eq "the module loaded (no udev yet) changed no kernel knob" "$(knobs)" "$def_ao contig-zones 301"
mempol_start
# an admin's "offline" from tmpfiles.d, applied at boot before lvos loads
mempol_mark
vmtest_check "rmmod" rmmod lvos_vcpu_hotplug
vmtest_check "remove event handled" mempol_wait remove
mkdir -p /etc/tmpfiles.d
echo "w $AO - - - - offline" > /etc/tmpfiles.d/local-memory.conf
echo offline > $AO
mempol_mark
vmtest_check "insmod" insmod /lib/lvos/lvos_vcpu_hotplug.ko
vmtest_check "add event handled" mempol_wait add
vmtest_eq "tmpfiles' offline before the load is kept" "$(knobs)" "offline contig-zones 301"
vmtest_check "says why" sh -c 'dmesg | grep -q "lvos-memory-policy: auto_online_blocks left offline: set in /etc/tmpfiles.d/local-memory.conf"'
mempol_mark
rmmod lvos_vcpu_hotplug
vmtest_check "remove event handled" mempol_wait remove
vmtest_eq "nothing to put back" "$(knobs)" "offline contig-zones 301"
rm /etc/tmpfiles.d/local-memory.conf
echo $def_ao > $AO
mempol_mark
vmtest_check "insmod without the admin's file" insmod /lib/lvos/lvos_vcpu_hotplug.ko
vmtest_check "add event handled" mempol_wait add
vmtest_eq "kernel onlines new blocks" "$(cat $AO)" online
vmtest_eq "zone policy" "$(cat $P/online_policy)" auto-movable
vmtest_eq "ratio" "$(cat $P/auto_movable_ratio)" 301
if [ "$LVOS_SERIES" = 6.12 ]; then
	vmtest_check "6.12: auto_online_blocks left as the kernel had it" sh -c '! dmesg | grep -q "auto_online_blocks: offline -> online"'
else
	vmtest_check "6.1: lvos switched auto_online_blocks on" sh -c 'dmesg | grep -q "auto_online_blocks: offline -> online"'
fi
on0=$(hp memory_blocks_online)
vmtest_eq "no movable memory yet" "$(hp memory_blocks_movable)" 0
# leave little free memory: tmpfs pages cannot be swapped (no swap here)
# (the debug kernel's KASAN takes 32 MiB of shadow for a 256 MiB DIMM from
# the memory already there, so it keeps a larger margin)
margin=24
[ "$LVOS_DEBUG" = 1 ] && margin=64
mount -t tmpfs -o size=1G tmpfs /mnt
free_kb=$(awk '/^MemAvailable/ {print $2}' /proc/meminfo)
dd if=/dev/zero of=/mnt/fill bs=1M count=$(( free_kb / 1024 - margin )) 2>/dev/null
vmtest_log "MemAvailable before the add: $(awk '/^MemAvailable/ {print $2}' /proc/meminfo) kB"
kb0=$(memtotal_kb)
t0=$(vmtest_now_cs)
vmtest_log ready
vmtest_wait_host added 60
vmtest_check "memory-add event" vmtest_wait_for 30 sh -c "grep -qx memory-add $H/last_event"
t1=$(vmtest_now_cs)
vmtest_eq "outcome" "$(hp last_event_outcome)" "online: 2 blocks, 2 movable"
lat=$(hp last_event_latency_us)
vmtest_check "latency measured ($lat us, within the $(( (t1 - t0) * 10 )) ms waited)" \
	test "$lat" -gt 0 -a "$lat" -le $(( (t1 - t0 + 1) * 10000 ))
vmtest_eq "blocks online" "$(hp memory_blocks_online)" "$(( on0 + 2 ))"
vmtest_eq "blocks movable" "$(hp memory_blocks_movable)" 2
vmtest_eq "nothing offline" "$(hp memory_blocks_offline)" 0
vmtest_check "the kernel agrees: two blocks in ZONE_MOVABLE" sh -c 'test $(grep -l "^Movable" /sys/devices/system/memory/memory*/valid_zones | wc -l) -eq 2'
kb1=$(memtotal_kb)
vmtest_check "MemTotal grew by 256 MiB ($kb0 -> $kb1)" test $(( kb1 - kb0 )) -ge $(( 250 * 1024 ))
# live data in the new memory: the boot RAM is full, so these pages land
# in the DIMM's ZONE_MOVABLE, and the unplug has to migrate them
vmtest_check "the new memory is usable" dd if=/dev/urandom of=/mnt/more bs=1M count=96
sum0=$(md5sum </mnt/more)
mov_used=$(awk '/^Node .* zone +Movable/ {z = 1; next} /^Node/ {z = 0} z && $1 == "pages" && $2 == "free" {f = $3} z && $1 == "managed" {m = $2} END {print m - f}' /proc/zoneinfo)
vmtest_check "live data in ZONE_MOVABLE before the unplug ($mov_used pages)" test "$mov_used" -ge 8192
rm -f /mnt/fill
vmtest_log ready-del
vmtest_wait_host deleted 60
vmtest_check "removal reported" vmtest_wait_for 30 sh -c "grep -qx memory-remove $H/last_event"
vmtest_eq "removal outcome" "$(hp last_event_outcome)" "removed: 2 blocks"
vmtest_eq "MemTotal back" "$(memtotal_kb)" "$kb0"
vmtest_eq "the data migrated out of the DIMM is intact" "$(md5sum </mnt/more)" "$sum0"
rm -f /mnt/more
vmtest_eq "blocks back" "$(hp memory_blocks_online)" "$on0"
mempol_mark
vmtest_check "movable_ratio 0" sh -c "echo 0 > $H/movable_ratio"
vmtest_check "change event handled" mempol_wait change
vmtest_eq "kernel ratio follows" "$(cat $P/auto_movable_ratio)" 0
vmtest_log ready-b
vmtest_wait_host added-b 60
vmtest_check "second add reported" vmtest_wait_for 30 sh -c "grep -qx memory-add $H/last_event"
vmtest_eq "ratio 0: kernel zone" "$(hp last_event_outcome)" "online: 2 blocks, 0 movable"
vmtest_eq "no movable blocks" "$(hp memory_blocks_movable)" 0
vmtest_eq "no failures" "$(hp failures)" 0
# kernel memory (inodes, dentries) now lands in the kernel-zone DIMM, the
# only ZONE_NORMAL memory (boot RAM is all below 4 GiB): it cannot be
# offlined, so the kernel refuses the host's unplug and lvos reports why
mkdir /mnt/x
i=0
while [ $i -lt 20000 ]; do echo "$i" > /mnt/x/f$i; i=$((i + 1)); done
dd if=/dev/urandom of=/mnt/x/data bs=1M count=16 2>/dev/null
sum1=$(md5sum </mnt/x/data)
vmtest_log ready-del-b
vmtest_wait_host deleting-b 60
vmtest_check "refused unplug reported" vmtest_wait_for 60 sh -c "test \$(cat $H/failures) -eq 1"
vmtest_eq "data intact after the refused unplug" "$(md5sum </mnt/x/data)" "$sum1"
# file i holds "i": 20000 files whose numbers add up to 0 + ... + 19999
vmtest_eq "all 20000 files intact after the refused unplug" \
	"$(cat /mnt/x/f* | awk '{s += $1} END {print NR, s}')" "20000 199990000"
vmtest_eq "failure event" "$(hp last_failure_event)" memory-remove
vmtest_match "failure object" "$(hp last_failure_object)" '^PNP0C80:[0-9]+$'
vmtest_match "reason from the evidence" "$(hp last_failure)" '^refused by the kernel: still present after the eject request [(]_STA 0x[0-9a-f]+; dmesg says why[)]$'
vmtest_check "no kernel log text in sysfs" sh -c '! grep -rqi "offline failed" /sys/kernel/lvos/hotplug/'
vmtest_eq "the DIMM's blocks are still online" "$(hp memory_blocks_online)" "$(( on0 + 2 ))"
# the admin's own ratio, written after the load, survives a re-apply
echo 100 > $P/auto_movable_ratio
mempol_mark
vmtest_check "movable_ratio 50" sh -c "echo 50 > $H/movable_ratio"
vmtest_check "change event handled" mempol_wait change
vmtest_eq "the admin's ratio written after the load is kept" "$(cat $P/auto_movable_ratio)" 100
mempol_mark
vmtest_check "rmmod" rmmod lvos_vcpu_hotplug
vmtest_check "remove event handled" mempol_wait remove
vmtest_eq "after the unload: lvos's knobs back, the admin's ratio kept" "$(knobs)" "$def_ao contig-zones 100"
vmtest_check "no record left" test ! -e /run/lvos/memory-policy
dmesg | grep lvos-memory-policy; cat /tmp/mev.out
'''


def host(vm):
    q = vm.qmp_client
    vm.wait_line(r"# ready$", timeout=vm.limit(150))
    q.dimm_add("dimm0", 256 << 20)
    vm.send("added")
    vm.wait_line(r"# ready-del", timeout=vm.limit(150))
    q.device_del("dimm0", timeout=90)
    vm.send("deleted")
    vm.wait_line(r"# ready-b", timeout=vm.limit(150))
    q.dimm_add("dimm1", 256 << 20)
    vm.send("added-b")
    vm.wait_line(r"# ready-del-b", timeout=vm.limit(150))
    q.device_del("dimm1", wait=False)     # the guest refuses it
    vm.send("deleting-b")


def check(run):
    """The module opens no file: no filp_open/kernel_read/kernel_write."""
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ko = os.path.join(repo, "build", "ko", run.release, KO + ".ko")
    und = subprocess.run(["nm", "-u", ko], stdout=subprocess.PIPE, universal_newlines=True,
                         check=True).stdout.split()
    bad = sorted({s for s in und if s in ("filp_open", "file_open_root", "kernel_read",
                                          "kernel_write", "kern_path", "kernel_read_file_from_path")})
    return [(not bad, "%s.ko has no file I/O (undefined symbols: %s)" % (KO, ", ".join(bad) or "none"))]
