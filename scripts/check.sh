#!/usr/bin/env bash
# check.sh: every test, in the order the README gives: unit suites and the
# saved fuzz corpora, end-to-end tests against the real binaries, then the
# unit suites and corpora again under ASan + UBSan.  Prints one summary line.
set -u
cd "$(dirname "$0")/.." || exit 1
start=$(date +%s)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0

step() {	# step NAME CMD...: runs, keeps its "N passed, M failed" line
	local t0=$(date +%s)
	echo "== $1"
	if ! "${@:2}" 2>&1 | tee -a "$log"; then status=1; fi
	[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
	echo "== $1 took $(( $(date +%s) - t0 )) s"
}

echo "== lint"
scripts/lint.sh >"$log.lint" 2>&1 || status=1
grep -v '(warning)$' "$log.lint"
rm -f "$log.lint"
step "unit tests" make --no-print-directory -s unit
step "fuzz corpora" make --no-print-directory -s fuzz-replay
step "end-to-end tests" tests/e2e/run.sh
step "unit tests under ASan+UBSan" make --no-print-directory -s asan-unit

passed=$(grep -oE '[0-9]+ passed' "$log" | awk '{s += $1} END {print s + 0}')
failed=$(grep -oE '[0-9]+ failed' "$log" | awk '{s += $1} END {print s + 0}')
[ "$failed" -eq 0 ] || status=1
echo "== make check took $(( $(date +%s) - start )) s"
echo "check: $passed passed, $failed failed"
exit $status
