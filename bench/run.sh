#!/usr/bin/env bash
# run.sh [PATTERN]: `make bench`.  Runs each bench/b_*.sh in turn; each
# prints its figures (one per line, "name: value unit", with the peer's
# figure from the same run beside it where a peer exists).  Benchmarks
# measure; they never pass or fail on a time.
set -u
cd "$(dirname "$0")" || exit 1
export PATH=$PWD/../.tools/bin:$PWD/../bin:$PATH
rc=0
for b in b_*"${1:-}"*.sh; do
	[ -f "$b" ] || continue
	echo "== ${b#b_}   (load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores)"
	bash "$b" || { echo "   ($b failed)"; rc=1; }
done
exit $rc
