#!/usr/bin/env bash
# The headless subcommands on the real sandbox: pods and nodes next to
# kubectl's own columns, services after a real helm install, events whose
# messages carry terminal escapes and a 100,000-character message (nothing
# raw reaches the output, the table keeps its shape), JSON output, and the
# exit status of each way of failing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/clients_lib.sh"

sb_start --no-s3
for p in alpha beta gamma; do mkpod "$p" || fail "kubectl apply $p"; done
if [ -n "$(kc get nodes --no-headers 2>/dev/null)" ]; then
	# a sandbox with nodes runs them: compare once they settled
	for p in alpha beta gamma; do running "$p" 30 || fail "$p does not run"; done
fi

# pods: the same names, readiness and status as kubectl shows
datalab pods >"$T/dl" 2>"$T/e" || fail "datalab pods: $(cat "$T/e")"
kc get pods --no-headers | awk '{print $1, $2, $3}' | sort >"$T/k.cols"
tail -n +2 "$T/dl" | awk '{print $1, $2, $3}' | sort >"$T/d.cols"
diff "$T/k.cols" "$T/d.cols" >/dev/null || { diff "$T/k.cols" "$T/d.cols"; fail "pods differ from kubectl"; }
head -1 "$T/dl" | grep -q "^NAME  *READY  *STATUS  *RESTARTS  *AGE$" || fail "pods header: $(head -1 "$T/dl")"
datalab pods -o json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["kind"]=="List" and len(d["items"])==3' ||
	fail "pods -o json"

# nodes: whatever the sandbox has, the same names as kubectl
datalab nodes >"$T/dl" 2>"$T/e"; rc=$?
[ $rc -eq 0 ] || fail "datalab nodes: exit $rc: $(cat "$T/e")"
kc get nodes --no-headers 2>/dev/null | awk '{print $1}' | sort >"$T/k.nodes"
tail -n +2 "$T/dl" | awk '{print $1}' | sort >"$T/d.nodes"
diff "$T/k.nodes" "$T/d.nodes" >/dev/null || fail "nodes differ from kubectl"

# services: a real helm release
helm install jp "$ROOT/../shared/testdata/charts/jupyter-python" -n user-alice \
	--set-string resources.requests.cpu=100m,resources.requests.memory=128Mi \
	--set-string resources.limits.cpu=500m,resources.limits.memory=512Mi >/dev/null 2>"$T/helm.err" ||
	fail "helm install: $(cat "$T/helm.err")"
datalab services >"$T/dl" 2>"$T/e" || fail "datalab services: $(cat "$T/e")"
grep -q "^jp  *jupyter-python-2.5.2  " "$T/dl" || fail "services: $(cat "$T/dl")"
datalab services -o json | python3 -c '
import json, sys
d = json.load(sys.stdin)
s = [i for i in d["items"] if i["name"] == "jp"][0]
assert s["chart"] == "jupyter-python" and s["helmStatus"] == "deployed" and s["revision"] == 1, s' ||
	fail "services -o json"

if [ -n "$(kc get nodes --no-headers 2>/dev/null)" ]; then
	# with pods running, usage from metrics.k8s.io reaches the row
	WAIT=60 wait_cmd sh -c "datalab services -o json | python3 -c 'import json,sys; d=json.load(sys.stdin); s=[i for i in d[\"items\"] if i[\"name\"]==\"jp\"][0]; assert s[\"ready\"] >= 1 and s.get(\"cpuMillicores\", -1) >= 0'" ||
		fail "services never showed a running jp with its usage: $(datalab services -o wide)"
	datalab services | grep -q "^jp .* running  *1/1  *[0-9][0-9]*m  *[0-9][0-9]*Mi " || fail "services row: $(datalab services)"
	metrics=", usage"
fi

# events with hostile messages
esc=$(python3 -c 'import json; print(json.dumps("clipboard \u001b]52;c;ZWNobyBwd25lZA==\u0007 clear \u001b[2J rlo \u202e end \u009b31m"))')
long=$(python3 -c 'print("y" * 100000)')
for i in 1 2; do
	msg=$esc; [ $i -eq 2 ] && msg="\"$long\""
	cat >"$T/ev$i.json" <<JSON
{"apiVersion":"v1","kind":"Event","metadata":{"name":"hostile-$i"},"type":"Warning","reason":"Evil$i",
 "message":$msg,"involvedObject":{"kind":"Pod","name":"alpha","namespace":"user-alice"},
 "firstTimestamp":"2025-01-01T00:00:00Z","lastTimestamp":"2025-01-01T00:00:0${i}Z","count":$i}
JSON
	kc create -f "$T/ev$i.json" >/dev/null 2>"$T/e" || fail "kubectl create event: $(cat "$T/e")"
done
datalab events >"$T/dl" 2>"$T/e" || fail "datalab events: $(cat "$T/e")"
grep -q "Evil1" "$T/dl" || fail "the hostile event is missing: $(cat "$T/dl")"
LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$T/dl" && fail "a control byte reached the table"
grep -q $'\xc2[\x80-\x9f]' "$T/dl" && fail "a C1 control reached the table"
grep -q $'\xe2\x80\xae' "$T/dl" && fail "a bidi override reached the table"
longest=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$T/dl")
[ "$longest" -lt 1000 ] || fail "a 100,000-character message stretched a line to $longest"
datalab events -o json >"$T/j" || fail "events -o json"
LC_ALL=C grep -q $'\x1b' "$T/j" && fail "a raw escape in JSON output"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert any("\x1b]52" in i.get("message","") for i in d["items"])' "$T/j" ||
	fail "JSON lost the message"

# exit status: usage 2, server 1
datalab pods --nope >/dev/null 2>&1; [ $? -eq 2 ] || fail "a bad flag is not 2"
datalab exec alpha >/dev/null 2>&1; [ $? -eq 2 ] || fail "exec without -- is not 2"
datalab pods -n does-not-exist >/dev/null 2>"$T/e"; rc=$?
[ $rc -eq 0 ] || [ $rc -eq 1 ] || fail "pods in a missing namespace: $rc"
datalab version >"$T/o" || fail "version"
grep -q "^Server Version: v1\." "$T/o" || fail "version: $(cat "$T/o")"
ok "pods and nodes like kubectl, services after helm install${metrics:-}, hostile events, JSON, exit status"
