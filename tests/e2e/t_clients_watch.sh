#!/usr/bin/env bash
# datalab pods -w (an informer) against the real sandbox: a pod created by
# kubectl shows within 1 s, changes and deletions follow, and after the
# sandbox is restarted (same folder, same port) the watch comes back by
# itself and still sees new pods.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/clients_lib.sh"

sb_start --no-s3
port=$(sb_port)

DATALAB_LOG_FILE=$T/dl.log bg watch datalab pods -w
wait_file "No resources found in user-alice namespace." "$T/watch.err" 30 || fail "the watch did not sync"

mkpod demo || fail "kubectl apply failed"
t0=$(date +%s%N)
wait_file "demo" "$T/watch.out" 1 || fail "the pod did not show within 1 s"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "pod seen ${ms} ms after kubectl returned"
head -1 "$T/watch.out" | grep -q "^NAME *READY *STATUS *RESTARTS *AGE$" || fail "no header before the first row"

kc label pod demo tier=web >/dev/null || fail "kubectl label"
WAIT=30 wait_cmd test "$(grep -c '^demo ' "$T/watch.out")" -ge 2 || fail "the update was not printed"
kc delete pod demo --wait=false >/dev/null || fail "kubectl delete"
WAIT=30 wait_cmd test "$(grep -c '^demo ' "$T/watch.out")" -ge 3 || fail "the deletion was not printed"

# the sandbox goes away and comes back on the same port
sb_stop
wait_file "retrying" "$T/watch.err" 10 || fail "the drop was not told"
n_err=$(grep -c "retrying" "$T/watch.err")
"$ROOT/bin/datalab-sandbox" --dir "$T/sb" --port "$port" --no-s3 >>"$T/sb.log" 2>&1 &
SB_PID=$!
wait_cmd kc get ns default || fail "the sandbox did not come back"
mkpod again || fail "kubectl apply failed"
wait_file "again" "$T/watch.out" 30 || fail "the watch did not see a pod after the restart"
wait_file "watch resumed" "$T/watch.err" 5 || fail "no 'watch resumed'"
# told once per change, not on every retry
[ "$(grep -c "retrying" "$T/watch.err")" -le $((n_err + 2)) ] || { cat "$T/watch.err"; fail "the error was repeated"; }
kill -0 "$(cat "$T/watch.pid")" || fail "datalab pods -w died"
bg_stop watch
ok "seen in ${ms} ms, updates and deletes, reconnect after a sandbox restart"
