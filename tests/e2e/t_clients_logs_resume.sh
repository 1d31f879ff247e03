#!/usr/bin/env bash
# datalab logs -f across dropped streams: the fault proxy cuts the log
# stream in the middle of a line, then the sandbox is restarted (same
# folder, same port); each time the log is asked again from its last
# line, and every line is printed once, none lost.  Before, the first
# cut ended `datalab logs -f`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/clients_lib.sh"

sb_start --no-s3
port=$(sb_port)
proxy_start
mkpod demo || fail "kubectl apply failed"
running demo || fail "demo not running"
say() {	# say FMT FIRST LAST: lines into demo's log, as its main process would write them
	kc exec demo -- sh -c "for i in \$(seq $2 $3); do echo \"$1 \$i\" >\"\$DATALAB_MAIN_STDOUT\"; done" ||
		fail "kubectl exec failed"
}
say line 1 50
WAIT=10 wait_cmd sh -c "$ROOT/.tools/bin/kubectl logs demo | grep -q '^line 50$'" || fail "the lines are not in the log"
size=$(kc logs demo --timestamps | wc -c)
# the first follow is cut half-way, in the middle of a line
echo "{\"match\": \"/pods/demo/log\", \"do\": \"drop\", \"bytes\": $((size / 2 + 7))}" >>"$T/faults"

KUBECONFIG=$PROXY_KUBECONFIG bg logs datalab logs -f demo
wait_file "resuming in" "$T/logs.err" 15 || fail "the cut was not told"
wait_file "line 50" "$T/logs.out" 15 || fail "the log did not go on after the cut"
say line 51 100
wait_file "line 100" "$T/logs.out" 15 || fail "new lines did not follow"
kc logs demo >"$T/before.txt" || fail "kubectl logs"
cmp -s "$T/before.txt" "$T/logs.out" || { diff "$T/before.txt" "$T/logs.out" | head; fail "the followed log differs from kubectl logs"; }

# the sandbox goes away and comes back on the same port
n=$(grep -c "resuming in" "$T/logs.err")
sb_stop
WAIT=15 wait_cmd sh -c "test \$(grep -c 'resuming in' '$T/logs.err') -gt $n" || fail "the drop was not told"
"$ROOT/bin/datalab-sandbox" --dir "$T/sb" --port "$port" --no-s3 >>"$T/sb.log" 2>&1 &
SB_PID=$!
wait_cmd kc get ns default || fail "the sandbox did not come back"
running demo 30 || fail "demo not running after the restart"
say after 1 20
wait_file "after 20" "$T/logs.out" 30 || fail "the log did not come back after the restart"
kill -0 "$(cat "$T/logs.pid")" || fail "datalab logs -f died"
# every line once, in order, the ones before the restart as kubectl saw them
cmp -s "$T/before.txt" <(head -c "$(wc -c <"$T/before.txt")" "$T/logs.out") || fail "the lines before the restart changed"
[ "$(grep -E '^(line|after) ' "$T/logs.out" | tr '\n' ,)" = "$( (seq -f 'line %g' 1 100; seq -f 'after %g' 1 20) | tr '\n' ,)" ] ||
	{ grep -E '^(line|after) ' "$T/logs.out" | uniq -c | awk '$1 > 1' | head; fail "a line twice, lost or out of order"; }
grep -q "T[0-9:.]*Z " "$T/logs.out" && fail "timestamps printed that were not asked for"
bg_stop logs
ok "cut mid-line and a sandbox restart: every line once, in order"
