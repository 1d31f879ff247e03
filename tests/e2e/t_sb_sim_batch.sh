#!/usr/bin/env bash
# t_sb_sim_batch.sh: DaemonSets and CronJobs with the real kubectl, on
# three nodes, one of them tainted: one daemon pod per node that the
# template's tolerations and nodeSelector allow, the status numbers,
# a rolling restart and its history; a CronJob's schedule checked by the
# apiserver (robfig's words), its Job made on schedule and named
# <cronjob>-<minutes since the epoch>, lastScheduleTime and
# lastSuccessfulTime, a manual run (create job --from), suspend.
. "$(dirname "$0")/lib.sh"
sb_start --no-s3 --nodes "2:cpu=4,memory=8Gi;1:cpu=4,memory=8Gi,name=ml,taint=dedicated=ml:NoSchedule"
k() { kubectl -n default "$@"; }

# the CronJob first: it runs 10 s after its creation, while the rest goes on
k create cronjob tick --image=busybox --schedule="@every 10s" -- echo tick >/dev/null || fail "create cronjob"
created=$(date -d "$(k get cronjob tick -o jsonpath='{.metadata.creationTimestamp}')" +%s)
out=$(k create cronjob bad --image=busybox --schedule="*/5 * * *" -- true 2>&1) && fail "bad schedule accepted"
grep -q 'spec.schedule: Invalid value: "\*/5 \* \* \*": expected exactly 5 fields, found 4: \[\*/5 \* \* \*\]' <<<"$out" ||
	fail "bad schedule: $out"
out=$(k create cronjob bad --image=busybox --schedule="0 0 31 13 *" -- true 2>&1) && fail "month 13 accepted"
grep -q 'end of range (13) above maximum (12): 13' <<<"$out" || fail "month 13: $out"

cat >"$T/ds.yaml" <<'YAML'
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
      - {name: agent, image: "fluent-bit:3"}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: everywhere}
spec:
  selector: {matchLabels: {app: everywhere}}
  template:
    metadata: {labels: {app: everywhere}}
    spec:
      tolerations: [{key: dedicated, operator: Exists}]
      containers:
      - {name: agent, image: "node-exporter:1"}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: mlonly}
spec:
  selector: {matchLabels: {app: mlonly}}
  template:
    metadata: {labels: {app: mlonly}}
    spec:
      nodeSelector: {kubernetes.io/hostname: sandbox-ml-1}
      tolerations: [{key: dedicated, operator: Equal, value: ml, effect: NoSchedule}]
      containers:
      - {name: agent, image: "dcgm-exporter:3"}
YAML
k apply -f "$T/ds.yaml" >/dev/null || fail "apply daemonsets"
for ds in agent everywhere mlonly; do
	timeout 90 kubectl -n default rollout status "ds/$ds" --timeout=80s >/dev/null || fail "$ds rollout"
done
row() { k get ds "$1" --no-headers | awk '{print $2, $3, $4, $5, $6}'; }	# DESIRED CURRENT READY UP-TO-DATE AVAILABLE
[ "$(row agent)" = "2 2 2 2 2" ] || fail "agent: $(k get ds agent)"
[ "$(row everywhere)" = "3 3 3 3 3" ] || fail "everywhere: $(k get ds everywhere)"
[ "$(row mlonly)" = "1 1 1 1 1" ] || fail "mlonly: $(k get ds mlonly)"
k get pods -l app=agent -o jsonpath='{.items[*].spec.nodeName}' | grep -q sandbox-ml-1 && fail "agent on the tainted node"
[ "$(k get pods -l app=everywhere -o jsonpath='{.items[*].spec.nodeName}' | tr ' ' '\n' | sort -u | wc -l)" = 3 ] ||
	fail "everywhere: not one pod per node"
[ "$(k get pods -l app=mlonly -o jsonpath='{.items[*].spec.nodeName}')" = sandbox-ml-1 ] || fail "mlonly placement"
k get pods -l app=agent -o json | jq -e '[.items[].spec.tolerations[] | select(.key == "node.kubernetes.io/unschedulable")] | length == 2' \
	>/dev/null || fail "daemon pods lack the controller's tolerations"
k rollout restart ds/everywhere >/dev/null || fail "ds restart"
out=$(timeout 120 kubectl -n default rollout status ds/everywhere --timeout=110s) || fail "ds rollout status: $out"
grep -q 'daemon set "everywhere" successfully rolled out' <<<"$out" || fail "ds status: $out"
hash=$(k get controllerrevision -l app=everywhere -o json | jq -r '[.items[] | select(.revision == 2)][0].metadata.labels["controller.kubernetes.io/hash"]')
[ "$(k get pods -l app=everywhere -o jsonpath='{.items[*].metadata.labels.controller-revision-hash}')" = "$hash $hash $hash" ] ||
	fail "pods not at revision 2 ($hash): $(k get pods -l app=everywhere --show-labels)"
k rollout history ds/everywhere | grep -qE '^2 +<none>$' || fail "ds history"

# the CronJob's run: tick-<minutes since the epoch of its scheduled time>
WAIT=60 wait_cmd sh -c '[ -n "$(kubectl -n default get jobs -l "!manual" -o name)" ]' || fail "no Job in 60 s: $(k get cronjob tick -o yaml)"
job=$(k get jobs -o jsonpath='{.items[0].metadata.name}')
sched=$(k get job "$job" -o jsonpath="{.metadata.annotations['batch\.kubernetes\.io/cronjob-scheduled-timestamp']}")
s=$(date -d "$sched" +%s) || fail "scheduled timestamp: $sched"
[ "$job" = "tick-$((s / 60))" ] || fail "job name $job for $sched"
[ $((s - created)) = 10 ] || fail "scheduled at $sched, created at $(date -u -d @"$created")"
k wait --for=condition=Complete "job/$job" --timeout=60s >/dev/null || fail "$job not complete"
WAIT=30 wait_cmd sh -c '[ -n "$(kubectl -n default get cronjob tick -o jsonpath="{.status.lastSuccessfulTime}")" ]' ||
	fail "no lastSuccessfulTime: $(k get cronjob tick -o jsonpath='{.status}')"
[ "$(k get job "$job" -o jsonpath='{.metadata.ownerReferences[0].kind}')" = CronJob ] || fail "job owner"
# a manual run, and suspend
k create job manual --from=cronjob/tick >/dev/null || fail "create job --from"
k label job manual manual=yes >/dev/null
k wait --for=condition=Complete job/manual --timeout=60s >/dev/null || fail "manual job"
k patch cronjob tick -p '{"spec":{"suspend":true}}' >/dev/null || fail "suspend"
k get cronjob tick --no-headers | grep -qiE '^tick +@every 10s +<none> +true ' || fail "SUSPEND column: $(k get cronjob tick)"
ok "DaemonSets by taint and selector, status, restart and history; CronJob schedule, naming, status, manual run, suspend"
