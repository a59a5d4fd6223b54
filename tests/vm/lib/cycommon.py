# SPDX-License-Identifier: GPL-2.0-only
"""Shared pieces of the load/unload cycle tests (tests/vm/cycles-*.py).

The cycles run in tools/lvos-modcycle: init_module + delete_module in one
process, no fork per cycle; each cycle checks that a sysfs path comes and
goes, and optionally that settings the module changes are back and that
MemTotal is back. Two readers (the same tool, "read" mode, nice 19) walk
every sysfs (and debugfs) file of the module in a loop, started once per
phase, never per cycle.

The guests have two vCPUs (QEMU below). On the stock kernels cy_main takes
the second offline and boots with preempt=full (APPEND): on a busy 2-core
host, two online TCG vCPUs made each cycle 2-3x slower (every
synchronize_rcu() and TLB-flush IPI of a load or an unload waits for the
other vCPU's host thread), and on one vCPU a reader is still preempted in
the middle of a sysfs read when the cycling task wakes, or runs while that
task sleeps half way through a load or an unload. The debug kernel (no
preemption, 100 cycles only) keeps both online: the readers run on one
vCPU while the other loads and unloads, under KASAN and lockdep.

cy_main runs CY_TOTAL cycles (1000 on the stock kernels, 100 on the debug
kernel): CY_WARMUP plain cycles, a snapshot of the kernel's memory
counters, then CY_ROUNDS x (plain cycles + one cycle with the feature
active: the test's cy_feature), another snapshot, and the leak check
(cy_leak). Both snapshots are taken with the module unloaded, the readers
stopped, the page cache and reclaimable slab dropped, and every slab cache
shrunk right before the counters are read (lvos-modcycle snap).
"""

FILES = {"/bin/lvos-modcycle": "tools/lvos-modcycle"}
SMP = "2"


def rounds(vm):
    """Rounds with the feature active (the guest's CY_ROUNDS)."""
    return 5 if vm.kernel.startswith("debug") else 10

APPEND = "preempt=full"

# Leak tolerances, judged on the stock kernels over the 980 measured cycles
# (the debug kernel logs the deltas; kmemleak judges there). Noise measured
# on 6.1 and 6.12 (TCG, one vCPU online, 512 MiB), the five modules without
# a leak, over 980 cycles and between two snapshots with nothing between:
#   most grown slab cache   +1 .. +19 objects (vmap_area, dentry, ...) with
#                           lvos-modcycle snap; a shell's drop_caches +
#                           shrink + awk showed +50 .. +1271: per-CPU slabs
#                           refilled by the awk and dentries still waiting
#                           for RCU
#   SUnreclaim              -32 .. +136 kB
#   MemFree / MemAvailable  -1.9 .. +8.2 MB as the kernel reports them, but
#                           -388 .. +88 kB once the free pages on the
#                           per-CPU lists (/proc/zoneinfo "count:", left out
#                           of both) are added back: those are judged
#   VmallocUsed             0 .. +16 kB
#   Percpu                  0
# A module that leaks one 32-byte kmalloc per load (scratch build of
# lvos_hvdetect) grew kmalloc-32 by exactly 980 objects over 980 cycles,
# 8x the object tolerance; a page per cycle is 3920 kB, ~4x the page
# tolerances.
#   CY_TOL_OBJ_DIV  no slab cache may grow by more than cycles / this ...
#   CY_TOL_OBJ_MIN  ... or this many objects, whichever is more
#   CY_TOL_SUNRECL  kB of SUnreclaim growth
#   CY_TOL_AVAIL    kB of MemAvailable loss } both with the free pages on
#   CY_TOL_FREE     kB of MemFree loss      } the per-CPU lists added
#   CY_TOL_VMALLOC  kB of VmallocUsed growth
#   CY_TOL_PERCPU   kB of Percpu growth
# and no slab cache may appear that was not there after the warm-up.
TOLERANCES = dict(CY_TOL_OBJ_DIV=8, CY_TOL_OBJ_MIN=32, CY_TOL_SUNRECL=512,
                  CY_TOL_AVAIL=1024, CY_TOL_FREE=1024, CY_TOL_VMALLOC=128,
                  CY_TOL_PERCPU=16)

HELPERS = "".join("%s=%s\n" % kv for kv in sorted(TOLERANCES.items())) + r'''
# 1000 cycles on the stock kernels, 100 on the debug kernels (KASAN,
# lockdep, kmemleak)
case "$LVOS_KERNEL" in
debug*) CY_DEBUG=1; CY_TOTAL=100; CY_ROUNDS=5 ;;
*) CY_DEBUG=; CY_TOTAL=1000; CY_ROUNDS=10 ;;
esac
CY_WARMUP=20
CY_CYCLES=0
CY_FEATURE=0

# cy_readers_start PATH...: two readers walking PATH... until
# cy_readers_stop, pausing CY_PAUSE_US after each walk; CY_READ_OPTS:
# more lvos-modcycle read options (-x NAME: files not to read)
CY_PAUSE_US=1000
CY_READ_OPTS=
cy_readers_start() {
	lvos-modcycle read -s $CY_PAUSE_US $CY_READ_OPTS "$@" >/tmp/cy-r1 2>&1 &
	CY_R1=$!
	lvos-modcycle read -s $CY_PAUSE_US $CY_READ_OPTS "$@" >/tmp/cy-r2 2>&1 &
	CY_R2=$!
}
# cy_readers_stop LABEL: stop them; both must still be running (a reader
# that died on a read is a failure); their counts go to CY_READS
cy_readers_stop() {
	cy_alive=0
	kill -0 $CY_R1 2>/dev/null && kill -0 $CY_R2 2>/dev/null && cy_alive=1
	kill $CY_R1 $CY_R2 2>/dev/null
	wait $CY_R1 $CY_R2 2>/dev/null
	[ $cy_alive = 1 ] || vmtest_fail "$1: both readers ran to the end" "$(cat /tmp/cy-r1 /tmp/cy-r2)"
	CY_READS=$(cat /tmp/cy-r1 /tmp/cy-r2 | awk '
		/^reader:/ { p += $2; ok += $4; e += $7 }
		END { printf "%d passes, %d reads ok, %d failed (file gone mid-walk)", p, ok, e }')
	echo "$1: readers: $CY_READS"
}

# cy_run LABEL N [lvos-modcycle cycle options] KO: N load/unload cycles
# (a subtest only if they fail); CY_CYCLES counts the cycles done
cy_run() {
	cy_rl=$1
	cy_rn=$2
	shift 2
	[ "$cy_rn" -gt 0 ] || return 0
	cy_out=$(lvos-modcycle cycle "$@" "$cy_rn" 2>&1)
	cy_rc=$?
	echo "$cy_rl: $cy_out"
	if [ $cy_rc = 0 ]; then
		CY_CYCLES=$((CY_CYCLES + cy_rn))
		return 0
	fi
	vmtest_fail "$cy_rl: $cy_rn cycles" "$cy_out"
	return 1
}

# cy_snap FILE: the memory counters, quiesced (lvos-modcycle snap: "mem
# KEY kB" and "slab NAME ACTIVE-OBJS OBJSIZE" lines)
cy_snap() {
	lvos-modcycle snap >"$1" || vmtest_fail "memory snapshot" "$(cat "$1")"
}

# cy_leak LABEL BEFORE AFTER CYCLES [log]: log the deltas and check them
# against the tolerances (one subtest each; "log": log only). On the debug
# kernel the deltas are logged only: KASAN's quarantine holds freed objects back (megabytes of
# slab come and go with it), and kmemleak, which the harness runs at the
# end of every debug run, is the leak check there.
cy_leak() {
	eval "$(awk -v n="$4" -v odiv=$CY_TOL_OBJ_DIV -v omin=$CY_TOL_OBJ_MIN '
		NR == FNR { v[$1 " " $2] = $3; next }
		$1 == "mem" { d[$2] = $3 - v["mem " $2] }
		$1 == "slab" {
			k = "slab " $2
			if (!(k in v)) newc = newc " " $2
			g[$2] = $3 - v[k]; sz[$2] = $4
		}
		END {
			tol = int(n / odiv); if (tol < omin) tol = omin
			top = ""
			for (i = 0; i < 3; i++) {
				best = ""; bg = -1e9
				for (c in g) if (!(c in used) && g[c] > bg) { bg = g[c]; best = c }
				if (best == "") break
				used[best] = 1
				if (i == 0) { worst = bg; wname = best }
				top = top sprintf(" %s %+d (%d B)", best, g[best], sz[best])
			}
			printf "cy_sunreclaim=%d cy_slab=%d cy_avail=%d cy_availall=%d cy_free=%d cy_freeall=%d cy_vmalloc=%d cy_percpu=%d\n",
				d["SUnreclaim"], d["Slab"], d["MemAvailable"], d["AvailAll"], d["MemFree"],
				d["FreeAll"], d["VmallocUsed"], d["Percpu"]
			printf "cy_objs=%d cy_objtol=%d cy_cache=\"%s\" cy_top=\"%s\" cy_new=\"%s\"\n",
				worst, tol, wname, top, (newc == "" ? " none" : newc)
		}' "$2" "$3")"
	vmtest_log "$1: ${5:-leak check} over $4 cycles: SUnreclaim $cy_sunreclaim kB, Slab $cy_slab kB, MemAvailable $cy_avail kB (with the per-CPU free lists: $cy_availall kB), MemFree $cy_free kB (with the per-CPU free lists: $cy_freeall kB), VmallocUsed $cy_vmalloc kB, Percpu $cy_percpu kB; most grown slab caches:$cy_top; new caches:$cy_new"
	[ -n "$5" ] && return 0
	if [ -n "$CY_DEBUG" ]; then
		vmtest_log "$1: (debug kernel: deltas not judged, kmemleak is the leak check)"
		return 0
	fi
	vmtest_check "$1: no slab cache grew by more than $cy_objtol objects ($cy_cache $cy_objs)" test "$cy_objs" -le "$cy_objtol"
	vmtest_check "$1: SUnreclaim grew by at most $CY_TOL_SUNRECL kB ($cy_sunreclaim kB)" test "$cy_sunreclaim" -le $CY_TOL_SUNRECL
	vmtest_check "$1: MemAvailable (+per-CPU free lists) fell by at most $CY_TOL_AVAIL kB ($cy_availall kB)" test "$cy_availall" -ge -$CY_TOL_AVAIL
	vmtest_check "$1: MemFree (+per-CPU free lists) fell by at most $CY_TOL_FREE kB ($cy_freeall kB)" test "$cy_freeall" -ge -$CY_TOL_FREE
	vmtest_check "$1: VmallocUsed grew by at most $CY_TOL_VMALLOC kB ($cy_vmalloc kB)" test "$cy_vmalloc" -le $CY_TOL_VMALLOC
	vmtest_check "$1: Percpu grew by at most $CY_TOL_PERCPU kB ($cy_percpu kB)" test "$cy_percpu" -le $CY_TOL_PERCPU
	vmtest_eq "$1: no new slab cache" "$cy_new" " none"
}

# cy_main LABEL KO "CYCLE-OPTIONS" READ-PATH...: the whole run (see the
# top of tests/vm/lib/cycommon.py). The test defines cy_feature ROUND: one
# load/unload with the feature active (busybox insmod/rmmod), which adds
# 1 to CY_CYCLES and CY_FEATURE and returns non-zero after a failure.
cy_main() {
	cy_label=$1
	cy_ko=$2
	cy_opts=$3
	shift 3
	# one vCPU online on the stock kernels, both on debug (see cycommon.py)
	[ -n "$CY_DEBUG" ] || echo 0 >/sys/devices/system/cpu/cpu1/online ||
		vmtest_fail "$cy_label: second vCPU offline"
	cy_cpus=$(cat /sys/devices/system/cpu/online)
	cy_t0=$(vmtest_now_cs)
	cy_readers_start "$@"
	cy_run "$cy_label warm-up" $CY_WARMUP $cy_opts $cy_ko
	cy_readers_stop "$cy_label warm-up"
	cy_tw=$(( $(vmtest_now_cs) - cy_t0 ))
	cy_reads0=$CY_READS
	cy_snap /tmp/cy-noise
	cy_snap /tmp/cy-before
	cy_leak "$cy_label" /tmp/cy-noise /tmp/cy-before 0 "noise (two snapshots, nothing between)"
	cy_t1=$(vmtest_now_cs)
	cy_readers_start "$@"
	cy_r=0
	while [ $cy_r -lt $CY_ROUNDS ] && [ $CY_CYCLES -ge $CY_WARMUP ]; do
		# the cycles left, shared among the rounds left, one of each with the feature
		cy_n=$(( (CY_TOTAL - CY_CYCLES) / (CY_ROUNDS - cy_r) - 1 ))
		cy_run "$cy_label round $cy_r" $cy_n $cy_opts $cy_ko || break
		cy_feature $cy_r || break
		cy_r=$((cy_r + 1))
	done
	cy_readers_stop "$cy_label"
	cy_t2=$(vmtest_now_cs)
	cy_snap /tmp/cy-after
	cy_leak "$cy_label" /tmp/cy-before /tmp/cy-after $((CY_CYCLES - CY_WARMUP))
	vmtest_eq "$cy_label: load/unload cycles run" "$CY_CYCLES" "$CY_TOTAL"
	vmtest_log "$cy_label: $CY_CYCLES load/unload cycles on $LVOS_KERNEL, vCPUs $cy_cpus online ($CY_WARMUP warm-up, $CY_FEATURE with the feature active) in $(( (cy_t2 - cy_t1 + cy_tw) / 100 )) s (snapshots not counted), $(( (cy_t2 - cy_t1 + cy_tw) * 10 / (CY_CYCLES + (CY_CYCLES == 0)) )) ms/cycle; readers: warm-up $cy_reads0, measured $CY_READS"
}
'''
