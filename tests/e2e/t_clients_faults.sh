#!/usr/bin/env bash
# Faults between datalab and the real sandbox, injected by a proxy
# (faultproxy.py): 401, 403, 404, 429 with Retry-After, 503, a 410 in the
# watch stream, a stream cut mid-way, malformed watch lines and a 50 MB
# event.  Nothing crashes or hangs, the user is told once, in words, and
# the watch carries on.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/clients_lib.sh"

sb_start --no-s3
proxy_start
dl() { DATALAB_LOG_FILE=$T/dl.log datalab "$@" --kubeconfig "$PROXY_KUBECONFIG"; }
fault() { echo "$1" >>"$T/faults"; }

# --- one-shot commands: exit 1 and one line in words
fault '{"match":"/api/v1/nodes","do":"status","status":403,"reason":"Forbidden","message":"nodes is forbidden: User \"alice\" cannot list resource \"nodes\" in API group \"\" at the cluster scope"}'
dl nodes >"$T/o" 2>"$T/e"; rc=$?
[ $rc -eq 1 ] || fail "403: exit $rc"
[ "$(cat "$T/e")" = "error: not allowed to list 'nodes'" ] || fail "403 worded: $(cat "$T/e")"

fault '{"match":"/api/v1/namespaces/user-alice/pods?","do":"status","status":503,"reason":"ServiceUnavailable","message":"etcd is down"}'
dl pods >"$T/o" 2>"$T/e"; rc=$?
[ $rc -eq 1 ] || fail "503: exit $rc"
grep -q "^error: the API server failed (503 ServiceUnavailable): etcd is down$" "$T/e" || fail "503 worded: $(cat "$T/e")"

fault '{"match":"/api/v1/namespaces/user-alice/pods?","do":"status","status":429,"reason":"TooManyRequests","message":"slow down","retry_after":2}'
dl pods >"$T/o" 2>"$T/e"; rc=$?
[ $rc -eq 1 ] || fail "429 one-shot: exit $rc"
grep -q "busy (429 TooManyRequests)" "$T/e" || fail "429 worded: $(cat "$T/e")"

dl logs nope >"$T/o" 2>"$T/e"; rc=$?
[ $rc -eq 1 ] || fail "404: exit $rc"
grep -q 'not found' "$T/e" || fail "404 worded: $(cat "$T/e")"

sed 's/token: .*/token: wrong/' "$PROXY_KUBECONFIG" >"$T/bad.kubeconfig"
DATALAB_LOG_FILE=$T/dl.log datalab pods --kubeconfig "$T/bad.kubeconfig" >"$T/o" 2>"$T/e"; rc=$?
[ $rc -eq 1 ] || fail "401: exit $rc"
grep -q "refused the credentials (401 Unauthorized)" "$T/e" || fail "401 worded: $(cat "$T/e")"

# --- a watch, each fault taken by the next request that matches: a 429 on
#     the list (Retry-After honoured), a 410 in the first stream (relist),
#     garbage lines then a cut (re-watch), a 50 MB event then a cut
fault '{"match":"pods?limit","do":"status","status":429,"reason":"TooManyRequests","message":"slow down","retry_after":2}'
fault '{"match":"watch=true","do":"gone_event"}'
fault '{"match":"watch=true","do":"prepend","bytes":0,"lines":["not json","{}","{\"type\":\"FOO\",\"object\":{}}","{\"type\":\"ADDED\"}","{\"type\":\"ERROR\",\"object\":{\"kind\":\"Pod\"}}"]}'
fault '{"match":"watch=true","do":"big_event","mb":50,"name":"big","bytes":0}'
t0=$(date +%s%N)
bg watch env DATALAB_LOG_FILE="$T/dl.log" datalab pods -w --kubeconfig "$PROXY_KUBECONFIG"
wait_file "No resources found" "$T/watch.err" 30 || fail "the watch never synced after a 429"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ $ms -ge 1900 ] || fail "Retry-After: 2 not honoured (synced after $ms ms)"
[ "$(grep -c "busy" "$T/watch.err")" -eq 1 ] || fail "the 429 was not told exactly once"
wait_file "relisting" "$T/dl.log" 15 || fail "the 410 did not relist"
wait_file "big " "$T/watch.out" 60 || fail "the 50 MB event was not applied"
grep -q "dropped" "$T/watch.err" || fail "the cut streams were not told"
mkpod p1
wait_file "p1" "$T/watch.out" 30 || fail "no pod after the faults"
pid=$(cat "$T/watch.pid")
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
echo "RSS after a 50 MB event: $((rss / 1024)) MiB"

kill -0 "$pid" || fail "the watch died"
grep -qE $'\x1b' "$T/watch.out" "$T/watch.err" && fail "an escape byte reached the output"
bg_stop watch
ok "401 403 404 429 503 worded, Retry-After, 410 relist, cut stream, garbage, 50 MB event"
