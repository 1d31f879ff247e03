#!/usr/bin/env bash
# b_clients.sh: the console's Kubernetes clients on the real sandbox with
# 5,000 running pods (10 namespaces, 50 nodes): time from start to a synced pod store
# (datalab pods -A -w, until its first table is out) beside
# `kubectl get pods -A` in the same run; RSS with the store full, and per
# 1,000 pods; wake-ups and CPU while idle with the watch open for 10 s,
# beside `kubectl get pods -A -w`.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PATH=$ROOT/.tools/bin:$ROOT/bin:$PATH
N=${PODS:-5000}
T=$(mktemp -d "${TMPDIR:-/tmp}/dl-bench.XXXXXX")
pids=
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

# 50 nodes so that every pod is scheduled and runs
datalab-sandbox --dir "$T/sb" --port 0 --no-s3 --no-fsync --nodes '50:cpu=64,memory=256Gi,pods=110' >"$T/sb.log" 2>&1 &
pids="$pids $!"
for _ in $(seq 200); do [ -f "$T/sb/ready" ] && break; sleep 0.05; done
[ -f "$T/sb/ready" ] || { echo "sandbox did not start"; cat "$T/sb.log"; exit 1; }
export KUBECONFIG=$T/sb/kubeconfig
url=$(sed -n 's/^api=//p' "$T/sb/ready")
token=$(cat "$T/sb/token")

# 5,000 pods shaped like a chart's (labels, env, mounts, resources), over
# one kept-alive connection
python3 - "$url" "$token" "$N" <<'PY'
import http.client, json, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1]); token = sys.argv[2]; n = int(sys.argv[3])
c = http.client.HTTPConnection(u.hostname, u.port)
h = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
for i in range(10):
    c.request("POST", "/api/v1/namespaces", json.dumps({"metadata": {"name": "bench-%d" % i}}), h)
    c.getresponse().read()
for i in range(n):
    ns = "bench-%d" % (i % 10)
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "jupyter-python-%d-0" % i, "namespace": ns,
           "labels": {"app.kubernetes.io/instance": "jupyter-python-%d" % i, "app.kubernetes.io/name": "jupyter-python",
                      "helm.sh/chart": "jupyter-python-2.5.2", "statefulset.kubernetes.io/pod-name": "jupyter-python-%d-0" % i},
           "annotations": {"checksum/config": "0" * 64}},
           "spec": {"containers": [{"name": "jupyter-python", "image": "inseefrlab/onyxia-jupyter-python:py3.12.9",
                     "command": ["/bin/sh", "-c", "jupyter lab --no-browser --ip 0.0.0.0"],
                     "env": [{"name": "K%d" % k, "value": "v%d" % k} for k in range(8)],
                     "ports": [{"containerPort": 8888, "name": "http", "protocol": "TCP"}],
                     "resources": {"requests": {"cpu": "100m", "memory": "2Gi"}, "limits": {"cpu": "5", "memory": "50Gi"}},
                     "volumeMounts": [{"mountPath": "/home/onyxia/work", "name": "home"}, {"mountPath": "/dev/shm", "name": "dshm"}]}],
                    "volumes": [{"name": "home", "persistentVolumeClaim": {"claimName": "jupyter-python-%d" % i}},
                                {"name": "dshm", "emptyDir": {"medium": "Memory"}}]}}
    c.request("POST", "/api/v1/namespaces/%s/pods" % ns, json.dumps(pod), h)
    r = c.getresponse(); r.read()
    if r.status >= 300:
        sys.exit("create failed: %d" % r.status)
PY
[ $? -eq 0 ] || exit 1
# let the pods settle (scheduled, started) so that idle means idle
end=$(($(date +%s) + 300))
while [ "$(kubectl get pods -A --field-selector=status.phase!=Running --no-headers 2>/dev/null | wc -l)" -gt 0 ]; do
	[ "$(date +%s)" -lt "$end" ] || { echo "note: pods still starting after 300 s"; break; }
	sleep 2
done

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
wakeups() { awk '/^voluntary_ctxt_switches/ {v=$2} /^nonvoluntary_ctxt_switches/ {n=$2} END {print v + n}' "/proc/$1/status"; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
lines_at_least() { # FILE N DEADLINE_S
	local end=$(($(date +%s) + $3))
	until [ "$(wc -l <"$1")" -ge "$2" ]; do [ "$(date +%s)" -lt "$end" ] || return 1; sleep 0.005; done
}

# kubectl get pods -A, same run (its discovery cache warmed first)
kubectl get ns >/dev/null
t0=$(date +%s%N); kubectl get pods -A --no-headers | wc -l >"$T/k.count"; k_ms=$(ms "$t0")

# datalab: an informer until the table is out
t0=$(date +%s%N)
DATALAB_LOG_FILE=$T/dl.log datalab pods -A -w >"$T/w.out" 2>"$T/w.err" &
w=$!; pids="$pids $w"
lines_at_least "$T/w.out" $((N + 1)) 120 || { echo "datalab did not sync"; tail "$T/w.err"; exit 1; }
d_ms=$(ms "$t0")
echo "synced store, $N pods (datalab pods -A -w, first table out): $d_ms ms   (kubectl get pods -A: $k_ms ms)"
t0=$(date +%s%N); datalab pods -A >/dev/null; o_ms=$(ms "$t0")
echo "one list, $N pods (datalab pods -A): $o_ms ms   (kubectl get pods -A: $k_ms ms)"

# RSS: full store, and an empty one for the per-1,000 figure
DATALAB_LOG_FILE=/dev/null datalab pods -n default -w >/dev/null 2>&1 &
e=$!; pids="$pids $e"
sleep 1
rss=$(rss_kib "$w"); rss0=$(rss_kib "$e")
held=$(sed -n 's/.*synced [0-9]* objects.*~\([0-9]*\) KiB held.*/\1/p' "$T/dl.log" | head -1)
kubectl get pods -A -w >"$T/kw.out" 2>&1 &
kw=$!; pids="$pids $kw"
lines_at_least "$T/kw.out" $((N + 1)) 120 || echo "note: kubectl -w printed $(wc -l <"$T/kw.out") lines"
sleep 1
echo "RSS with $N pods: $((rss / 1024)) MiB   (kubectl get pods -A -w: $(( $(rss_kib "$kw") / 1024 )) MiB; datalab with an empty store: $((rss0 / 1024)) MiB)"
echo "memory per 1,000 pods: $(( (rss - rss0) * 1000 / N / 1024 )) MiB RSS, $(( ${held:-0} * 1000 / N / 1024 )) MiB estimated by the store"

# idle: 10 s with the watches open and nothing changing
w0=$(wakeups "$w"); c0=$(ticks "$w"); kw0=$(wakeups "$kw"); kc0=$(ticks "$kw")
sleep 10
echo "idle wake-ups over 10 s with a watch open: $(( $(wakeups "$w") - w0 ))   (kubectl get pods -A -w: $(( $(wakeups "$kw") - kw0 )))"
echo "idle CPU over 10 s: $(( $(ticks "$w") - c0 )) ticks   (kubectl get pods -A -w: $(( $(ticks "$kw") - kc0 )) ticks)"
[ "$(cat "$T/k.count")" -eq "$N" ] || echo "note: kubectl counted $(cat "$T/k.count") pods"
