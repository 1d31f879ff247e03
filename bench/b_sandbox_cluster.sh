#!/usr/bin/env bash
# b_sandbox_cluster.sh: a cluster of 50 nodes and 5,000 pods kept live:
# how long the controllers, scheduler and lifecycle take to bring 5,000
# replicas to Running; the sandbox's CPU over 30 s of idling with them
# (the bar: ~0, no timer runs when nothing is due) and its wake-ups
# (voluntary context switches: each poll that returned); a
# rolling restart of the 5,000 (kubectl rollout restart, then rollout
# status until it is done): its time and the CPU it cost; kubectl get
# pods' time.  No peer runs the same simulation, so the figures stand
# alone.  PODS=N and IDLE=S change the size and the idle window.
set -u
cd "$(dirname "$0")/.." || exit 1
T=$(mktemp -d)
SB=
cleanup() { [ -n "$SB" ] && kill "$SB" 2>/dev/null && wait "$SB" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
N=${PODS:-5000}
IDLE=${IDLE:-30}
PATH=$PWD/.tools/bin:$PATH
bin/datalab-sandbox --dir "$T/sb" --port 0 --no-s3 --no-fsync --nodes "50:cpu=64,memory=256Gi,pods=200" \
	>"$T/log" 2>&1 &
SB=$!
for _ in $(seq 600); do [ -f "$T/sb/ready" ] && break; sleep 0.05; done
[ -f "$T/sb/ready" ] || { cat "$T/log"; exit 1; }
export KUBECONFIG=$T/sb/kubeconfig
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$SB/stat"; }
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }
# cpu_pct T0 T1 C0 C1: CPU used between the two points, in % of one core
cpu_pct() { printf "%.2f" "$(echo "scale=3; ($4 - $3) * 100 / $hz / ($2 - $1)" | bc)"; }
cpu_s() { printf "%.2f" "$(echo "scale=3; ($2 - $1) / $hz" | bc)"; }	# CPU seconds between two tick counts
switches() { awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$SB/status"; }

# wait_rollout: kubectl rollout status (a watch) until done, 15 min at most
wait_rollout() { kubectl -n default rollout status deploy/many --timeout=900s >/dev/null; }

t0=$(now) c0=$(ticks)
kubectl -n default create deployment many --image=nginx --replicas="$N" >/dev/null
wait_rollout || { echo "not ready in 15 min"; exit 1; }
t1=$(now) c1=$(ticks)
printf '%s replicas to Running: %.1f s\n' "$N" "$(secs "$t0" "$t1")"
echo "sandbox CPU time to start them: $(cpu_s "$c0" "$c1") s"

# idle: let the last events settle, then measure
sleep 2
t0=$(now) c0=$(ticks) w0=$(switches)
sleep "$IDLE"
t1=$(now) c1=$(ticks) w1=$(switches)
echo "idle CPU over ${IDLE} s with 50 nodes and $N pods: $(cpu_pct "$t0" "$t1" "$c0" "$c1") % of a core"
echo "idle wake-ups over ${IDLE} s (voluntary context switches): $((w1 - w0))"
rss_mib() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$SB/status"; }
echo "sandbox RSS with 50 nodes and $N pods running: $(rss_mib) MiB"

t0=$(now) c0=$(ticks)
kubectl -n default rollout restart deploy/many >/dev/null
wait_rollout || { echo "rollout not done in 15 min"; exit 1; }
t1=$(now) c1=$(ticks)
printf 'rolling restart of %s pods: %.1f s\n' "$N" "$(secs "$t0" "$t1")"
echo "CPU during the rolling restart: $(cpu_pct "$t0" "$t1" "$c0" "$c1") % of a core"
echo "sandbox CPU time of the rolling restart: $(cpu_s "$c0" "$c1") s"
[ "$(kubectl -n default get pods --no-headers | wc -l)" = "$N" ] || echo "warning: pods left over"

t0=$(now)
kubectl -n default get pods --no-headers | wc -l >/dev/null
echo "kubectl get pods ($N): $(echo "($(now) - $t0) * 1000" | bc | xargs printf '%.0f') ms"
echo "sandbox RSS after the rolling restart: $(rss_mib) MiB"
