#!/usr/bin/env bash
# b_sandbox_cluster.sh: a cluster of 50 nodes and 5,000 pods kept live:
# how long the controllers, scheduler and lifecycle take to bring 5,000
# replicas to Running, then the sandbox's CPU over 30 s of idling with
# them (the brief's bar: under 5% of a core), and kubectl get pods' time.
# No peer runs the same simulation, so the figures stand alone.
set -u
cd "$(dirname "$0")/.." || exit 1
T=$(mktemp -d)
SB=
cleanup() { [ -n "$SB" ] && kill "$SB" 2>/dev/null && wait "$SB" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
N=${PODS:-5000}
bin/datalab-sandbox --dir "$T/sb" --port 0 --no-s3 --no-fsync --nodes "50:cpu=64,memory=256Gi,pods=200" \
	>"$T/log" 2>&1 &
SB=$!
for _ in $(seq 200); do [ -f "$T/sb/ready" ] && break; sleep 0.05; done
[ -f "$T/sb/ready" ] || { cat "$T/log"; exit 1; }
export KUBECONFIG=$T/sb/kubeconfig
cpu() { awk '{print $14 + $15}' "/proc/$SB/stat"; }
hz=$(getconf CLK_TCK)
start=$(date +%s.%N)
kubectl -n default create deployment many --image=nginx --replicas="$N" >/dev/null
until [ "$(kubectl -n default get deploy many -o jsonpath='{.status.readyReplicas}')" = "$N" ]; do
	sleep 1
	[ "$(echo "$(date +%s.%N) - $start > 900" | bc)" = 1 ] && { echo "not ready in 15 min"; exit 1; }
done
echo "$N replicas to Running: $(echo "$(date +%s.%N) - $start" | bc | xargs printf '%.1f') s"
sleep 2
c0=$(cpu)
sleep 30
c1=$(cpu)
echo "idle CPU with 50 nodes and $N pods: $(echo "scale=2; ($c1 - $c0) * 100 / $hz / 30" | bc) % of a core"
t0=$(date +%s.%N)
kubectl -n default get pods --no-headers | wc -l >/dev/null
echo "kubectl get pods ($N): $(echo "($(date +%s.%N) - $t0) * 1000" | bc | xargs printf '%.0f') ms"
echo "sandbox RSS: $(awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$SB/status") MiB"
