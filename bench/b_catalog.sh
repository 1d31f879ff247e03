#!/usr/bin/env bash
# b_catalog.sh: catalog and launch-form speed, with peers from the same run:
# the real interactive-services index.yaml and a 500-chart index parsed
# (peer: PyYAML's C loader on the same file), the 500-chart catalog listed
# and drawn, launch forms built and drawn for the largest schemas (peers:
# `helm show values` and `helm template` on the same chart archive).
set -u
cd "$(dirname "$0")/.." || exit 1
TD=${TESTDATA:-../shared/testdata}
B=build/bench
mkdir -p "$B"
[ -f build/libdatalab.a ] || make -s -j2 build/libdatalab.a || exit 1
PKGS="ncursesw libcurl libcjson yaml-0.1 vterm expat libarchive libcrypto"
# shellcheck disable=SC2046
cc -std=c11 -O2 -D_GNU_SOURCE -Iinclude $(pkg-config --cflags $PKGS) bench/catalog_bench.c \
	build/libdatalab.a $(pkg-config --libs $PKGS) -lm -o "$B/catalog_bench" || exit 1

# median wall time in ms of N runs of a command
wall_ms() {
	local n=$1
	shift
	for _ in $(seq "$n"); do
		local t0 t1
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000))
	done | sort -n | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] / 1000 }'
}

# the peers first, so that each is printed beside datalab's figure
HELM=.tools/bin/helm
TGZ=$TD/index/generated/vscode-python-2.6.2.tgz
hshow= htmpl= hpys= pyidx=
if [ -x "$HELM" ] && [ -f "$TGZ" ]; then
	hshow=$(wall_ms 5 "$HELM" show values "$TGZ")
	htmpl=$(wall_ms 5 "$HELM" template x "$TGZ")
	# jupyter-pyspark ships a chart folder without its library-chart, so
	# `helm template` cannot render it: only `helm show values` is a peer
	hpys=$(wall_ms 5 "$HELM" show values "$TD/schemas/jupyter-pyspark")
fi
if python3 -c 'import yaml; yaml.CSafeLoader' 2>/dev/null; then
	pyparse() { python3 -c 'import sys, yaml; yaml.load(open(sys.argv[1]), Loader=yaml.CSafeLoader)' "$1"; }
	start=$(wall_ms 5 python3 -c 'import yaml')
	full=$(wall_ms 5 pyparse "$TD/index/interactive-services-index.yaml")
	pyidx=$(awk -v a="$full" -v b="$start" 'BEGIN { printf "%.1f", a - b }')
fi

"$B/catalog_bench" "$TD" | awk -v py="$pyidx" -v pys="${start:-}" -v hs="$hshow" -v ht="$htmpl" -v hp="$hpys" '
	/^index.yaml parsed, interactive-services/ && py != "" {
		$0 = $0 " (peer PyYAML C loader, same file: " py " ms, its " pys " ms start-up left out)" }
	/^launch form built and drawn, vscode-python:/ && hs != "" {
		$0 = $0 " (peers on the same chart archive, process start included: helm show values " hs " ms, helm template " ht " ms)" }
	/^launch form built and drawn, jupyter-pyspark/ && hp != "" {
		$0 = $0 " (peer helm show values on the same chart folder: " hp " ms)" }
	{ print "   " $0 }'
echo "   machine load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
