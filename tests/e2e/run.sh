#!/usr/bin/env bash
# run.sh [PATTERN]: runs tests/e2e/t_*.sh (E2E_JOBS at a time, 2), prints a summary.
set -u
cd "$(dirname "$0")" || exit 1
pat=${1:-}
pass=0 fail=0 failed=()
logdir=$(mktemp -d)
tests=(t_*"$pat"*.sh)
# each test gets E2E_TIMEOUT seconds (300): a hang is a failure with its log,
# never a stuck `make check`; SIGTERM first so its cleanup trap runs
run_one() {
	local t0=$SECONDS
	timeout -k 10 "${E2E_TIMEOUT:-300}" bash "$1" >"$logdir/$1.log" 2>&1
	local rc=$?
	[ $rc -eq 124 ] && echo "TIMEOUT after ${E2E_TIMEOUT:-300} s" >>"$logdir/$1.log"
	echo $rc >"$logdir/$1.rc"
	echo "$((SECONDS - t0)) ${1%.sh}" >"$logdir/$1.time"
}
# a pool of E2E_JOBS: the next test starts as soon as any one ends
running=0
for t in "${tests[@]}"; do
	[ -f "$t" ] || continue
	if [ $running -ge "${E2E_JOBS:-2}" ]; then
		wait -n
		running=$((running - 1))
	fi
	run_one "$t" &
	running=$((running + 1))
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
# where the time goes (make check has a budget): the five slowest
[ $((pass + fail)) -gt 1 ] && echo "slowest: $(cat "$logdir"/*.time | sort -rn | head -8 | awk '{printf "%s%s %d s", (NR > 1 ? ", " : ""), $2, $1}')"
rm -rf "$logdir"
echo "e2e: $pass passed, $fail failed"
[ $fail -eq 0 ]
