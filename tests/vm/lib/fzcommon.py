# SPDX-License-Identifier: GPL-2.0-only
"""Shared pieces of the fuzz-* VM tests: the fuzzer (tools/lvos-sysfs-fuzz)
and a guest helper that turns its output into subtests."""

FILES = {"/bin/lvos-sysfs-fuzz": "tools/lvos-sysfs-fuzz"}

# Guest shell helpers.
#   fz_run NAME ARGS...   run lvos-sysfs-fuzz ARGS (output in /tmp/fz-NAME.out,
#                         sent to the host as file fz-NAME); one subtest per
#                         file or parameter it reports ("file PATH ..." /
#                         "param MOD.PARAM ..."), passing iff it had no
#                         violation (the first violations are the reason);
#                         a failed subtest for a writable file or parameter
#                         the fuzzer has no spec for (it only ran generic
#                         checks: add it to the tool's tables) and for a
#                         non-zero exit (a violation anywhere, a setup
#                         error); the totals go to the verdict as a # line
#   $FZ_PARAMS            options for `fz_run params --params KO`: 200 values
#                         per parameter on the stock kernels; the debug kernel
#                         takes 0.2-0.8 s per module load under TCG (KASAN,
#                         kmemleak, lockdep), so 25 there, mostly values the
#                         module's own code sees (--focus)
HELPERS = r'''
case "$LVOS_KERNEL" in
debug*) FZ_PARAMS="--count 25 --focus" ;;
*) FZ_PARAMS="--count 200" ;;
esac
fz_run() {
	_fz=$1
	shift
	lvos-sysfs-fuzz "$@" >/tmp/fz-$_fz.out 2>&1
	_fz_rc=$?
	grep -E '^(file|param) [^ ]+ .*inputs=' /tmp/fz-$_fz.out | while read -r _k _p _rest; do
		_fz_n=$(printf '%s\n' "$_rest" | sed 's/.*\(inputs=[0-9]* accepted=[0-9]* refused=[0-9]*\).*/\1/')
		case " $_rest " in
		*" violations=0 "*) vmtest_ok "$_fz: $_p: $_fz_n" ;;
		*) vmtest_fail "$_fz: $_p: $_fz_n" "$_rest; $(grep -F "VIOLATION $_p:" /tmp/fz-$_fz.out | head -n 3)" ;;
		esac
	done
	grep -E '^(VIOLATION|KERNEL|note)' /tmp/fz-$_fz.out | head -n 40
	if grep -q 'no spec in lvos-sysfs-fuzz' /tmp/fz-$_fz.out; then
		vmtest_fail "$_fz: every writable file and parameter has a spec in lvos-sysfs-fuzz" \
			"$(grep 'no spec in lvos-sysfs-fuzz' /tmp/fz-$_fz.out | head -n 3)"
	fi
	vmtest_log "$_fz: $(grep -E '^(total|params-total) ' /tmp/fz-$_fz.out | tail -n 1)"
	vmtest_send_file "fz-$_fz" /tmp/fz-$_fz.out
	if [ "$_fz_rc" != 0 ]; then
		vmtest_fail "$_fz: lvos-sysfs-fuzz exit status $_fz_rc" "$(grep -E '^VIOLATION' /tmp/fz-$_fz.out | head -n 3) $(tail -n 1 /tmp/fz-$_fz.out)"
	fi
	return "$_fz_rc"
}
'''
