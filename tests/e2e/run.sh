#!/usr/bin/env bash
# run.sh [PATTERN]: runs tests/e2e/t_*.sh (two at a time), prints a summary.
set -u
cd "$(dirname "$0")" || exit 1
pat=${1:-}
pass=0 fail=0 failed=()
logdir=$(mktemp -d)
tests=(t_*"$pat"*.sh)
# each test gets E2E_TIMEOUT seconds (300): a hang is a failure with its log,
# never a stuck `make check`; SIGTERM first so its cleanup trap runs
run_one() {
	timeout -k 10 "${E2E_TIMEOUT:-300}" bash "$1" >"$logdir/$1.log" 2>&1
	local rc=$?
	[ $rc -eq 124 ] && echo "TIMEOUT after ${E2E_TIMEOUT:-300} s" >>"$logdir/$1.log"
	echo $rc >"$logdir/$1.rc"
}
i=0
for t in "${tests[@]}"; do
	[ -f "$t" ] || continue
	run_one "$t" &
	i=$((i + 1))
	[ $((i % ${E2E_JOBS:-2})) -eq 0 ] && wait
done
wait
for t in "${tests[@]}"; do
	[ -f "$logdir/$t.rc" ] || continue
	if [ "$(cat "$logdir/$t.rc")" = 0 ]; then
		pass=$((pass + 1)); grep -E '^ok ' "$logdir/$t.log" | tail -1
	else
		fail=$((fail + 1)); failed+=("$t"); echo "FAIL $t"; sed 's/^/    /' "$logdir/$t.log" | tail -60
	fi
done
rm -rf "$logdir"
echo "e2e: $pass passed, $fail failed"
[ $fail -eq 0 ]
