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
#   vmtest_wait_for SECS CMD [ARG...]  poll CMD every 0.1 s until it succeeds
#                                      (1 on timeout); for bounded waits in tests

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

vmtest_wait_for() {
	_vmtest_left=$(($1 * 10))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$_vmtest_left" -le 0 ] && return 1
		_vmtest_left=$((_vmtest_left - 1))
		sleep 0.1
	done
	return 0
}

# Lines from the host are appended to $VMTEST_STATE/host-in by the reader
# /init starts; each wait consumes lines up to and including its match.
vmtest_wait_host() {
	_vmtest_re=$1
	_vmtest_left=$((${2:-30} * 10))
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
		if [ "$_vmtest_left" -le 0 ]; then
			echo "vmtest: no line matching /$_vmtest_re/ from the host" >&2
			return 1
		fi
		_vmtest_left=$((_vmtest_left - 1))
		sleep 0.1
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

# kmemleak only reports objects older than 5 s at the start of a scan, and
# a transient pointer can hide or fake one; so: wait until everything from
# the phase under test is old enough, scan twice (the report lists objects
# unreferenced in the latest scan only) and keep the report.
vmtest__kmemleak_clear() {
	_vmtest_up=$(cut -d. -f1 /proc/uptime)
	[ "$_vmtest_up" -lt 6 ] && sleep $((6 - _vmtest_up))
	echo scan >/sys/kernel/debug/kmemleak 2>/dev/null &&
		echo clear >/sys/kernel/debug/kmemleak 2>/dev/null
}

vmtest__kmemleak_report() {
	sleep 5
	echo scan >/sys/kernel/debug/kmemleak 2>/dev/null || return 0
	sleep 1
	echo scan >/sys/kernel/debug/kmemleak 2>/dev/null
	cat /sys/kernel/debug/kmemleak >"$VMTEST_STATE/kmemleak" 2>/dev/null
	if [ -s "$VMTEST_STATE/kmemleak" ]; then
		cat "$VMTEST_STATE/kmemleak"
		vmtest_send_file kmemleak "$VMTEST_STATE/kmemleak"
		vmtest_fail "kmemleak" "$(grep -c 'unreferenced object' "$VMTEST_STATE/kmemleak") leak(s) reported"
	else
		vmtest_ok "kmemleak"
	fi
}
