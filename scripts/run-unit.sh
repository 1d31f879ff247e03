#!/usr/bin/env bash
# run-unit.sh DIR: runs every Check test binary in DIR, prints one summary line.
set -u
dir=$1
pass=0 fail=0 failed=()
cd "$(dirname "$0")/.." || exit 1
for t in "$dir"/test_*; do
	[ -x "$t" ] || continue
	# a binary left from a suite since removed or renamed is not a test
	[ -f "tests/unit/$(basename "$t").c" ] || continue
	out=$("$t" 2>&1); rc=$?
	line=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks: ' | tail -1)
	n=$(printf '%s' "$line" | sed -nE 's/.*Checks: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+).*/\1 \2 \3/p')
	read -r c f e <<<"${n:-0 0 0}"
	if [ "$rc" -ne 0 ] || [ -z "$line" ]; then
		printf '%s\n' "$out" | grep -vE ':P:|^Running suite' | tail -40
		failed+=("$(basename "$t")")
		fail=$((fail + (f + e > 0 ? f + e : 1)))
		pass=$((pass + c - f - e))
	else
		pass=$((pass + c))
	fi
	printf '  %-32s %s\n' "$(basename "$t")" "${line:-no summary (rc $rc)}"
done
echo "unit ($dir): $pass passed, $fail failed"
[ ${#failed[@]} -eq 0 ] || { echo "failing: ${failed[*]}"; exit 1; }
