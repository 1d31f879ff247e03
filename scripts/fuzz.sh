#!/usr/bin/env bash
# fuzz.sh: builds each tests/fuzz/fuzz_*.c with clang's libFuzzer (+ASan,
# UBSan) and runs it for FUZZ_TIME seconds (default 20) from its saved
# corpus.  New inputs stay in build/fuzz/corpus; crashes go to
# tests/fuzz/crashes/ to be turned into regression inputs.
set -u
cd "$(dirname "$0")/.." || exit 1
t=${FUZZ_TIME:-20}
make --no-print-directory -s CC=clang FUZZ=1 BUILD=build/fuzz OPT="-O1 -g" fuzzers || exit 1
mkdir -p tests/fuzz/crashes
fail=0
for bin in build/fuzz/fuzzer/fuzz_*; do
	name=$(basename "$bin"); short=${name#fuzz_}
	work=build/fuzz/corpus/$short
	mkdir -p "$work"
	[ -d "tests/fuzz/corpus/$short" ] && cp -n tests/fuzz/corpus/"$short"/* "$work"/ 2>/dev/null
	dict=(); [ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
	if "$bin" "$work" "${dict[@]}" -max_total_time="$t" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=tests/fuzz/crashes/"$short"- >"build/fuzz/$name.log" 2>&1; then
		echo "  $name: $(grep -oE '#[0-9]+.*DONE.*|stat::number_of_executed_units: [0-9]+' "build/fuzz/$name.log" | tail -1) (${t}s, no crash)"
	else
		echo "  $name: CRASH, see build/fuzz/$name.log and tests/fuzz/crashes/"; fail=1
	fi
done
exit $fail
