#!/usr/bin/env bash
# run-fuzz-replay.sh DIR: replays tests/fuzz/corpus/<target>/* through each target.
set -u
dir=$1
cd "$(dirname "$0")/.." || exit 1
fail=0 n=0
for t in "$dir"/fuzz_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	[ -f "tests/fuzz/$name.c" ] || continue	# left from a target since removed
	corpus=tests/fuzz/corpus/${name#fuzz_}
	[ -d "$corpus" ] || { echo "  $name: no corpus"; continue; }
	if out=$("$t" "$corpus" 2>&1); then
		echo "  $name: $out"; n=$((n + 1))
	else
		printf '%s\n' "$out" | tail -30; echo "  $name: FAILED"; fail=$((fail + 1))
	fi
done
echo "fuzz replay: $n passed, $fail failed"
[ "$fail" -eq 0 ]
