#!/usr/bin/env bash
# run-unit.sh DIR: runs every Check test binary in DIR, prints one summary line.
#
# UNIT_JOBS suites run at once (default: 2 per core).  Most of a suite's
# time is spent waiting (a backoff, a simulated rollout, a peer that hangs
# up), so they overlap well; each suite's output is kept and printed in
# name order once all are done.
set -u
dir=$1
pass=0 fail=0 failed=()
cd "$(dirname "$0")/.." || exit 1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

suites=()
for t in "$dir"/test_*; do
	[ -x "$t" ] || continue
	# a binary left from a suite since removed or renamed is not a test
	[ -f "tests/unit/$(basename "$t").c" ] || continue
	suites+=("$t")
done

run_suite() {	# run_suite BINARY OUTDIR: output in OUTDIR/NAME.out, status in .rc
	local name t0=$SECONDS
	name=$(basename "$1")
	"$1" >"$2/$name.out" 2>&1
	echo $? >"$2/$name.rc"
	echo "$((SECONDS - t0)) $name" >"$2/$name.time"
}
export -f run_suite
printf '%s\n' "${suites[@]}" |
	xargs -r -P "${UNIT_JOBS:-$((2 * $(nproc)))}" -I{} bash -c 'run_suite "$1" "$2"' _ {} "$out"

for t in "${suites[@]}"; do
	name=$(basename "$t")
	rc=$(cat "$out/$name.rc" 2>/dev/null || echo 1)
	line=$(grep -E '^[0-9]+%: Checks: ' "$out/$name.out" | tail -1)
	n=$(printf '%s' "$line" | sed -nE 's/.*Checks: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+).*/\1 \2 \3/p')
	read -r c f e <<<"${n:-0 0 0}"
	if [ "$rc" -ne 0 ] || [ -z "$line" ]; then
		grep -vE ':P:|^Running suite' "$out/$name.out" | tail -40
		failed+=("$name")
		fail=$((fail + (f + e > 0 ? f + e : 1)))
		pass=$((pass + c - f - e))
	else
		pass=$((pass + c))
	fi
	printf '  %-32s %s\n' "$name" "${line:-no summary (rc $rc)}"
done
[ ${#suites[@]} -gt 1 ] &&
	echo "slowest: $(cat "$out"/*.time | sort -rn | head -3 | awk '{printf "%s%s %d s", (NR > 1 ? ", " : ""), $2, $1}')"
echo "unit ($dir): $pass passed, $fail failed"
[ ${#failed[@]} -eq 0 ] || { echo "failing: ${failed[*]}"; exit 1; }
