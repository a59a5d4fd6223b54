# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh
#
# Guest side of tools/vmtest: sourced by the generated /init and by every
# test's GUEST script (busybox sh).  Results go to the VERDICT port only
# (ttyS1, never the console), so kernel messages cannot fake or hide one:
#
#   ok 3 - name
#   not ok 4 - name # why
#   # a log line
#   lvos-vmtest: file-begin NAME / base64 lines / lvos-vmtest: file-end NAME
#   lvos-vmtest: start|host-channel ready|guest-begin|guest-end|done  (from /init)
#
# Public helpers (each prints one verdict line; ok returns 0, not ok 1):
#   vmtest_ok NAME
#   vmtest_fail NAME [WHY]
#   vmtest_check NAME CMD [ARG...]     ok if CMD exits 0 (its output goes to the console)
#   vmtest_eq NAME ACTUAL EXPECTED     string equality; shows both on failure
#   vmtest_match NAME STRING REGEX     grep -E match
#   vmtest_send_file NAME PATH         the host stores it as run.files[NAME]
#   vmtest_log MSG...                  a "# MSG" comment line
#   vmtest_wait_host REGEX [TIMEOUT]   wait (default 30 s) for a line the host
#                                      sent with vm.send(); prints it, 1 on timeout
#   vmtest_now_cs                      centiseconds since boot (for bounds on
#                                      latencies the modules report)
#   vmtest_wait_for SECS CMD [ARG...]  poll CMD every 0.1 s until it succeeds
#                                      (1 on timeout); for bounded waits in tests
#   Both deadlines are SECS x VMTEST_TIME_FACTOR (the harness's one scaling
#   rule: generous on a busy host and on the debug kernel) by the guest clock.

VMTEST_OUT=${VMTEST_OUT:-/dev/ttyS1}
VMTEST_IN=${VMTEST_IN:-/dev/ttyS2}
VMTEST_STATE=${VMTEST_STATE:-/tmp/.vmtest}

# One line to the verdict port; newlines inside become spaces.
vmtest__emit() {
	printf '%s\n' "$(printf '%s' "$*" | tr '\r\n' '  ')" >"$VMTEST_OUT"
}

vmtest__next() {
	_vmtest_n=$(cat "$VMTEST_STATE/count" 2>/dev/null || echo 0)
	_vmtest_n=$((_vmtest_n + 1))
	echo "$_vmtest_n" >"$VMTEST_STATE/count"
	echo "$_vmtest_n"
}

vmtest_ok() {
	vmtest__emit "ok $(vmtest__next) - $1"
	echo "vmtest: ok - $1"
	return 0
}

vmtest_fail() {
	if [ -n "$2" ]; then
		vmtest__emit "not ok $(vmtest__next) - $1 # $2"
	else
		vmtest__emit "not ok $(vmtest__next) - $1"
	fi
	echo "vmtest: not ok - $1${2:+ # $2}"
	return 1
}

vmtest_log() {
	vmtest__emit "# $*"
	echo "vmtest: # $*"
}

vmtest_check() {
	_vmtest_name=$1
	shift
	_vmtest_out=$("$@" 2>&1)
	_vmtest_rc=$?
	[ -n "$_vmtest_out" ] && printf '%s\n' "$_vmtest_out"
	if [ "$_vmtest_rc" -eq 0 ]; then
		vmtest_ok "$_vmtest_name"
	else
		vmtest_fail "$_vmtest_name" "'$*' exited $_vmtest_rc: $(printf '%s' "$_vmtest_out" | tail -n 2)"
	fi
}

vmtest_eq() {
	if [ "$2" = "$3" ]; then
		vmtest_ok "$1"
	else
		vmtest_fail "$1" "got '$2', expected '$3'"
	fi
}

vmtest_match() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then
		vmtest_ok "$1"
	else
		vmtest_fail "$1" "'$2' does not match /$3/"
	fi
}

vmtest_send_file() {
	if [ ! -r "$2" ]; then
		vmtest_fail "send file $1" "cannot read $2"
		return 1
	fi
	vmtest__emit "lvos-vmtest: file-begin $1"
	base64 <"$2" >"$VMTEST_OUT"
	vmtest__emit "lvos-vmtest: file-end $1"
}

# The guest clock in centiseconds since boot, in $_vmtest_now, and a 0.1 s
# nap, both without a fork: the polls below run for minutes on a 4-vCPU TCG
# guest of the debug kernel, where each fork+exec costs tens of ms of guest
# CPU (enough to keep an idle guest from looking idle).
vmtest__tick() {
	read -r _vmtest_up _vmtest_rest </proc/uptime
	_vmtest_cs=${_vmtest_up#*.}
	_vmtest_now=$((${_vmtest_up%.*} * 100 + ${_vmtest_cs#0}))
}

vmtest__nap() {
	if [ -p "$VMTEST_STATE/nap" ] || mkfifo "$VMTEST_STATE/nap" 2>/dev/null; then
		read -r -t 0.1 _vmtest_rest <>"$VMTEST_STATE/nap"
	else
		sleep 0.1
	fi
	return 0
}

vmtest__now_cs() {
	vmtest__tick
	echo "$_vmtest_now"
}

vmtest_now_cs() {
	vmtest__now_cs
}

# The end of a wait of SECS from now in $_vmtest_end, by the harness's one
# scaling rule: SECS x VMTEST_TIME_FACTOR (kernels.TIME_SLACK x the
# kernel's timeout factor), by the guest's clock, so a slow poll or a busy
# host cannot shorten it.
vmtest__deadline() {
	vmtest__tick
	_vmtest_end=$((_vmtest_now + $1 * ${VMTEST_TIME_FACTOR:-1} * 100))
}

vmtest_wait_for() {
	vmtest__deadline "$1"
	_vmtest_wend=$_vmtest_end
	shift
	while ! "$@" >/dev/null 2>&1; do
		vmtest__tick
		[ "$_vmtest_now" -ge "$_vmtest_wend" ] && return 1
		vmtest__nap
	done
	return 0
}

# Lines from the host are appended to $VMTEST_STATE/host-in by the reader
# /init starts; each wait consumes lines up to and including its match.
vmtest_wait_host() {
	_vmtest_re=$1
	vmtest__deadline "${2:-30}"
	_vmtest_hend=$_vmtest_end
	_vmtest_file=$VMTEST_STATE/host-in
	while :; do
		_vmtest_pos=$(cat "$VMTEST_STATE/host-pos" 2>/dev/null || echo 0)
		# complete lines only: a line still arriving has no newline yet
		_vmtest_all=$(wc -l <"$_vmtest_file" 2>/dev/null || echo 0)
		if [ "$_vmtest_all" -gt "$_vmtest_pos" ]; then
			_vmtest_hit=$(head -n "$_vmtest_all" "$_vmtest_file" | tail -n +$((_vmtest_pos + 1)) |
				tr -d '\r' | grep -n -E -m 1 -- "$_vmtest_re")
			if [ -n "$_vmtest_hit" ]; then
				echo $((_vmtest_pos + ${_vmtest_hit%%:*})) >"$VMTEST_STATE/host-pos"
				printf '%s\n' "${_vmtest_hit#*:}"
				return 0
			fi
		fi
		vmtest__tick
		if [ "$_vmtest_now" -ge "$_vmtest_hend" ]; then
			echo "vmtest: no line matching /$_vmtest_re/ from the host" >&2
			return 1
		fi
		vmtest__nap
	done
}

# ---- used by the generated /init ---------------------------------------

# Verdict port raw (no \r, no echo); a reader copying everything the host
# sends on ttyS2 into host-in; then tell the host it may send.
vmtest__setup() {
	mkdir -p "$VMTEST_STATE"
	: >"$VMTEST_STATE/host-in"
	stty -F "$VMTEST_OUT" raw -echo 115200 2>/dev/null
	(stty raw -echo 115200 && exec cat) <"$VMTEST_IN" >>"$VMTEST_STATE/host-in" 2>/dev/null &
	vmtest__emit "lvos-vmtest: start $(uname -r)"
	vmtest__emit "lvos-vmtest: host-channel ready"
}

# vmtest__insmod NAME PATH [PARAM=VALUE...]
vmtest__insmod() {
	_vmtest_name=$1
	_vmtest_path=$2
	shift 2
	_vmtest_err=$(insmod "$_vmtest_path" "$@" 2>&1)
	_vmtest_rc=$?
	if [ "$_vmtest_rc" -eq 0 ]; then
		vmtest_ok "insmod $_vmtest_name"
	else
		vmtest_fail "insmod $_vmtest_name" "$_vmtest_err"
	fi
}

# kmemleak: the debug kernel's MSECS_MIN_AGE is 1 s (tools/debug-kernel),
# so objects from the phase under test are reportable 1 s after it; a
# transient pointer can hide or fake one, so scan twice (the report lists
# objects unreferenced in the latest scan only). Objects allocated before
# the first lvos insmod (boot, stock drivers) are not ours: instead of a
# scan + clear before insmod (5 s each on the debug kernel), the report is
# filtered by age. A kmemleak that is off, or switched itself off (its
# memory pool ran dry), fails the run: no leak check is no pass.
vmtest__kmemleak_mark() {
	vmtest__now_cs >"$VMTEST_STATE/kmemleak-t0"
}

vmtest__kmemleak_report() {
	if [ ! -w /sys/kernel/debug/kmemleak ]; then
		vmtest_fail "kmemleak" "kmemleak is not available (/sys/kernel/debug/kmemleak)"
		return 1
	fi
	sleep 1.2
	if ! echo scan >/sys/kernel/debug/kmemleak 2>/dev/null ||
		! echo scan >/sys/kernel/debug/kmemleak 2>/dev/null; then
		vmtest_fail "kmemleak" "kmemleak switched itself off (see the console: memory pool empty?)"
		return 1
	fi
	_vmtest_now=$(vmtest__now_cs)
	_vmtest_t0=$(cat "$VMTEST_STATE/kmemleak-t0" 2>/dev/null || echo 0)
	# keep the records of objects allocated at or after t0 (age <= now - t0)
	awk -v span="$(((_vmtest_now - _vmtest_t0) + 5))" '
		function flush() { if (rec != "" && keep) printf "%s", rec; rec = ""; keep = 0 }
		/^unreferenced object/ { flush() }
		{ rec = rec $0 "\n" }
		/\(age [0-9.]+s\)/ {
			a = $0; sub(/.*\(age /, "", a); sub(/s\).*/, "", a)
			keep = (a * 100 <= span)
		}
		END { flush() }' /sys/kernel/debug/kmemleak >"$VMTEST_STATE/kmemleak" 2>/dev/null
	_vmtest_all=$(grep -c "^unreferenced object" /sys/kernel/debug/kmemleak 2>/dev/null)
	if [ -s "$VMTEST_STATE/kmemleak" ]; then
		cat "$VMTEST_STATE/kmemleak"
		vmtest_send_file kmemleak "$VMTEST_STATE/kmemleak"
		vmtest_fail "kmemleak" "$(grep -c 'unreferenced object' "$VMTEST_STATE/kmemleak") leak(s) reported"
	else
		vmtest_ok "kmemleak (${_vmtest_all:-0} older objects from before the lvos modules ignored)"
	fi
}
