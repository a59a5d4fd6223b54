#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# pagefile-hog-test.sh BINARY - host-side checks for tools/pagefile-hog.
#
# Runs the tool on small sizes (no swap needed) and checks the hog-result
# line, exit statuses, --wait-file handling and, via --dump-page, that text
# pages compress and random pages do not.  Prints "ok NAME" or
# "not ok NAME" per check and exits non-zero if any check failed.
# Needs bash, coreutils (timeout, mktemp, getconf, cmp, od) and gzip.

# Conditions are passed to expect() as strings that are eval'ed later
# (so variables they use look unused to shellcheck):
# shellcheck disable=SC2016,SC2034

set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 path-to-pagefile-hog" >&2
	exit 2
fi
BIN=$1
case $BIN in */*) ;; *) BIN=./$BIN ;; esac
if [ ! -x "$BIN" ] || [ -d "$BIN" ]; then
	echo "not ok setup # $BIN is not an executable file"
	exit 1
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
PS=$(getconf PAGESIZE)
NP=$((16 * 1024 * 1024 / PS))	# pages in 16 MiB: 4096 with 4 KiB pages
failed=0
out='' rc=0

# run ARGS...: run the tool (time-limited); sets $out (stdout) and $rc.
run() {
	rc=0
	out=$(timeout 120 "$BIN" "$@" 2>"$TMP/stderr") || rc=$?
}

# field NAME: NAME's value in the hog-result line of $out, or "missing".
field() {
	local v
	v=$(sed -n "s/^hog-result.* $1=\([0-9][0-9]*\)\( .*\)\{0,1\}\$/\1/p" <<<"$out")
	echo "${v:-missing}"
}

# expect NAME CONDITION: evaluate CONDITION (a string), report ok/not ok.
expect() {
	if eval "$2"; then
		echo "ok $1"
	else
		echo "not ok $1 # rc=$rc last=$(tail -n 1 <<<"$out")"
		sed 's/^/#   stderr: /' "$TMP/stderr" 2>/dev/null | head -n 5
		failed=$((failed + 1))
	fi
}

result_well_formed() {
	[[ $(tail -n 1 <<<"$out") =~ ^hog-result\ pages=[0-9]+\ zero=[0-9]+\ text=[0-9]+\ random=[0-9]+\ corrupt=[0-9]+\ fill_ms=[0-9]+\ verify_ms=[0-9]+$ ]]
}

kinds_sum_to_pages() {
	local p z t r
	p=$(field pages) z=$(field zero) t=$(field text) r=$(field random)
	[[ $p =~ ^[0-9]+$ && $z =~ ^[0-9]+$ && $t =~ ^[0-9]+$ && $r =~ ^[0-9]+$ ]] &&
		((z + t + r == p))
}

# gz_size FILE: size of FILE compressed with gzip.
gz_size() { gzip -c "$1" | wc -c; }

# (a) default run
run 16
expect default-exit-0 '[[ $rc == 0 ]]'
expect default-result-line 'result_well_formed'
expect default-corrupt-0 '[[ $(field corrupt) == 0 ]]'
expect default-pages "[[ \$(field pages) == $NP ]]"
expect default-kinds-sum 'kinds_sum_to_pages'
expect default-all-kinds '[[ $(field zero) != 0 && $(field text) != 0 && $(field random) != 0 ]]'

run --quiet 4
expect quiet-one-line '[[ $rc == 0 && $(wc -l <<<"$out") == 1 ]] && result_well_formed'

run --rewrite 50 --passes 3 --seed 12345 16
expect rewrite-passes '[[ $rc == 0 && $(field corrupt) == 0 ]] && grep -q "rewrote [1-9]" <<<"$out"'

# (b) the verifier can fail
run --corrupt-one 16
expect corrupt-one-exit-1 '[[ $rc == 1 && $(field corrupt) == 1 ]] && result_well_formed'
run --corrupt-one --passes 3 --rewrite 30 16
expect corrupt-one-per-pass '[[ $rc == 1 && $(field corrupt) == 3 ]]'

# (c) --mix
run --mix 0:100:0 16
expect mix-all-text "[[ \$rc == 0 && \$(field text) == $NP && \$(field zero) == 0 ]]"
run --mix 100:0:0 16
expect mix-all-zero "[[ \$rc == 0 && \$(field zero) == $NP && \$(field random) == 0 ]]"
run --mix 0:0:100 16
expect mix-all-random "[[ \$rc == 0 && \$(field random) == $NP && \$(field text) == 0 ]]"

# (d) usage errors exit 2
bad_args=("-5" "abc" "0" "--mix 50:50:1 16" "--mix 50:50 16" "--mix 50::50 16"
	"--mix 50:50:0:0 16" "--passes -1 16" "--seed x 16" "--rewrite 101 16"
	"--wait-timeout 1s 16" "16 17" "" "--dump-page 3" "--no-such-option 16")
for args in "${bad_args[@]}"; do
	read -ra argv <<<"$args"
	run ${argv[@]+"${argv[@]}"}
	expect "usage-error '$args'" '[[ $rc == 2 ]]'
done

# (e) --wait-file
( sleep 0.3; touch "$TMP/go" ) &
run --wait-file "$TMP/go" 4
wait
expect wait-file-ready '[[ $rc == 0 && $(field corrupt) == 0 ]] && grep -qx "hog: ready" <<<"$out"'
start=$SECONDS
run --wait-file "$TMP/missing" --wait-timeout 1 4
elapsed=$((SECONDS - start))
expect wait-timeout-exit-3 '[[ $rc == 3 && $elapsed -ge 1 && $elapsed -lt 10 ]] && grep -qx "hog: ready" <<<"$out"'

# (f) --dump-page: page content and compressibility
run --mix 0:100:0 --dump-page 7 "$TMP/text.bin"
expect dump-text-exit-0 '[[ $rc == 0 && $(wc -c <"$TMP/text.bin") == "$PS" ]]'
run --mix 0:0:100 --dump-page 7 "$TMP/random.bin"
expect dump-random-exit-0 '[[ $rc == 0 && $(wc -c <"$TMP/random.bin") == "$PS" ]]'
run --mix 100:0:0 --dump-page 7 "$TMP/zero.bin" 16
expect dump-zero-is-zero '[[ $rc == 0 ]] && cmp -s "$TMP/zero.bin" <(head -c "$PS" /dev/zero)'
expect text-compresses '(($(gz_size "$TMP/text.bin") < PS * 60 / 100))'
expect random-incompressible '(($(gz_size "$TMP/random.bin") > PS * 95 / 100))'
expect text-not-same-filled \
	'(($(od -An -v -tx1 "$TMP/text.bin" | tr -s " " "\n" | sort -u | grep -c .) > 8))'
expect text-is-text '[[ -s $TMP/text.bin ]] && ! LC_ALL=C grep -q "[^[:print:][:space:]]" "$TMP/text.bin"'
run --mix 0:100:0 --dump-page 7 "$TMP/text2.bin"
expect dump-deterministic 'cmp -s "$TMP/text.bin" "$TMP/text2.bin"'
run --mix 0:100:0 --seed 2 --dump-page 7 "$TMP/text3.bin"
expect dump-seed-matters '[[ -s $TMP/text3.bin ]] && ! cmp -s "$TMP/text.bin" "$TMP/text3.bin"'

if [ "$failed" -ne 0 ]; then
	echo "# $failed check(s) failed"
	exit 1
fi
echo "# all checks passed"
