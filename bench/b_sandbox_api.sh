#!/usr/bin/env bash
# b_sandbox_api.sh: the sandbox's Kubernetes API under load.
#
# 5,000 pods (a real pod object from the shared test data, renamed) are
# created through the API, then: LIST in one page and in pages of 500,
# GET of one pod under wrk (peer: the same bytes from python3's
# http.server), kubectl get pods (peer: curl of the same list), the fan-out
# of 100 changes to 100 watchers, and the start time and RSS of a sandbox
# holding 5,000 pods.  Figures only; nothing passes or fails on time.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PATH=$ROOT/.tools/bin:$ROOT/bin:$PATH
W=$(mktemp -d "${TMPDIR:-/tmp}/dl-bench.XXXXXX")
N=${BENCH_PODS:-5000}
SB=
PEER=
cleanup() {
	[ -n "$SB" ] && kill "$SB" 2>/dev/null && wait "$SB" 2>/dev/null
	[ -n "$PEER" ] && kill "$PEER" 2>/dev/null && wait "$PEER" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
export HOME=$W/home KUBECONFIG=$W/sb/kubeconfig
mkdir -p "$HOME" "$W/sb"

now() { echo "$EPOCHREALTIME"; }
since() { echo "$EPOCHREALTIME - $1" | bc; }
start_sb() {	# start_sb: sets SB, API and START (seconds until DIR/ready)
	local t0
	rm -f "$W/sb/ready"
	t0=$(now)
	datalab-sandbox --dir "$W/sb" --port 0 --no-s3 "$@" >>"$W/sb.log" 2>&1 &
	SB=$!
	until [ -f "$W/sb/ready" ]; do
		kill -0 "$SB" 2>/dev/null || { cat "$W/sb.log"; exit 1; }
		sleep 0.002
	done
	START=$(since "$t0")
	API=$(sed -n 's/^api=//p' "$W/sb/ready")
}
stop_sb() { kill "$SB"; wait "$SB" 2>/dev/null; SB=; }

start_sb
PODS=$API/api/v1/namespaces/default/pods	# (user-alice has a 50-pod quota)

# N creates, 16 in flight, through the API
jq -c '{apiVersion, kind, metadata: {labels: .metadata.labels, annotations: .metadata.annotations}, spec}' \
	"$ROOT/../shared/testdata/kube/verbatim/k9s/po.json" >"$W/pod.json"
jq -r --argjson n "$N" --arg url "$PODS" '. as $p | range(1; $n + 1) as $i |
	"url = \"\($url)\"\nheader = \"Content-Type: application/json\"\noutput = /dev/null\n" +
	"write-out = \"%{http_code}\\n\"\ndata = " + ($p | .metadata.name = "pod-\($i)" | tojson | tojson) +
	(if $i < $n then "\nnext" else "" end)' "$W/pod.json" >"$W/creates.cfg"
t0=$(now)
have=$(curl -s --no-progress-meter --parallel --parallel-max 16 -K "$W/creates.cfg" | grep -c '^201$')
t=$(since "$t0")
echo "create $N pods (16 in flight, fdatasync each): $(echo "scale=1; $N / $t" | bc) creates/s ($have answered 201)"

# LIST: one page, pages of 500
curl -s -o "$W/list.json" "$PODS"
bytes=$(stat -c %s "$W/list.json")
t=$(for r in 1 2 3; do curl -s -o /dev/null -w '%{time_total}\n' "$PODS"; done | sort -n | head -1)
echo "LIST $N pods in one page: $(echo "$t * 1000" | bc | cut -d. -f1) ms, best of 3 ($((bytes / 1024)) KiB)"
t0=$(now)
tok=
pages=0
while :; do
	curl -s -w '%{time_total}\n' -o "$W/page.json" "$PODS?limit=500${tok:+&continue=$tok}" >>"$W/page.times"
	pages=$((pages + 1))
	tok=$(head -c 400 "$W/page.json" | sed -n 's/.*"continue":"\([^"]*\)".*/\1/p')
	[ -n "$tok" ] || break
done
echo "LIST $N pods in pages of 500: $(echo "$(since "$t0") * 1000" | bc | cut -d. -f1) ms ($pages pages;" \
	"$(awk '{ s += $1 } END { printf "%.0f", s * 1000 }' "$W/page.times") ms of it in curl's requests, the rest starting curl, head and sed)"

# GET one pod under wrk; peer: python3 http.server with the same bytes
curl -s -o "$W/pod-1.json" "$PODS/pod-1"
out=$(wrk -t2 -c16 -d5s "$PODS/pod-1" 2>&1)
rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
lat=$(awk '/Latency/ {print $2; exit}' <<<"$out")
(cd "$W" && exec python3 -m http.server 0 --bind 127.0.0.1 >"$W/peer.log" 2>&1) &
PEER=$!
until grep -q 'Serving HTTP' "$W/peer.log" 2>/dev/null; do sleep 0.05; done
pport=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$W/peer.log" | head -1)
pout=$(wrk -t2 -c16 -d5s "http://127.0.0.1:$pport/pod-1.json" 2>&1)
kill "$PEER"
wait "$PEER" 2>/dev/null
PEER=
echo "GET one pod under wrk (2 threads, 16 connections): $rps requests/s, $lat mean latency" \
	"(peer python3 http.server, same bytes: $(awk '/Requests\/sec/ {print $2}' <<<"$pout") requests/s," \
	"$(awk '/Latency/ {print $2; exit}' <<<"$pout"))"

# kubectl get pods (Table, 5,000 rows); peer: curl of the plain list
kubectl get pods -n default >/dev/null	# warm the discovery cache
t0=$(now)
rows=$(kubectl get pods -n default --no-headers | wc -l)
tk=$(since "$t0")
t0=$(now)
curl -s -o /dev/null "$PODS"
tc=$(since "$t0")
echo "kubectl get pods ($rows rows, as a Table in kubectl's default pages of 500): $(echo "$tk * 1000" | bc | cut -d. -f1) ms (peer curl of the same list: $(echo "$tc * 1000" | bc | cut -d. -f1) ms)"

# watch fan-out: 100 watchers, 100 changes each
CM=$API/api/v1/namespaces/user-alice/configmaps
rv=$(curl -s "$CM?limit=1" | jq -r .metadata.resourceVersion)
pids=
for i in $(seq 1 100); do
	curl -sN "$CM?watch=true&resourceVersion=$rv&timeoutSeconds=60" >"$W/watch.$i" &
	pids="$pids $!"
done
for i in $(seq 1 100); do
	[ "$i" -gt 1 ] && echo next
	printf 'url = "%s"\nheader = "Content-Type: application/json"\noutput = /dev/null\n' "$CM"
	printf 'data = "{\\"metadata\\":{\\"name\\":\\"fan-%d\\"}}"\n' "$i"
done >"$W/cms.cfg"
sleep 1	# let the 100 watches connect (they start from rv: nothing is missed anyway)
t0=$(now)
curl -s --no-progress-meter --parallel --parallel-max 8 -K "$W/cms.cfg"
end=$(($(date +%s) + 60))
until [ "$(cat "$W"/watch.* | grep -c '"type":"ADDED"')" -ge 10000 ] || [ "$(date +%s)" -ge "$end" ]; do
	sleep 0.01
done
t=$(since "$t0")
kill $pids 2>/dev/null
got=$(cat "$W"/watch.* | grep -c '"type":"ADDED"')
echo "watch fan-out, 100 changes to 100 watchers: $(echo "$got / $t" | bc) events/s delivered" \
	"($got events in $(echo "$t * 1000" | bc | cut -d. -f1) ms)"

# start time and RSS with 5,000 pods
stop_sb
start_sb
t=$START
rss=$(awk '/VmRSS/ {print $2}' "/proc/$SB/status")
cpu=$(awk -v hz="$(getconf CLK_TCK)" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$SB/stat")
echo "sandbox start with $N pods: $(echo "$t * 1000" | bc | cut -d. -f1) ms to ready ($cpu ms of CPU)," \
	"RSS $((rss / 1024)) MiB (journal $(($(stat -c %s "$W/sb/store/journal") / 1024 / 1024)) MiB)"
echo "machine load during the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
