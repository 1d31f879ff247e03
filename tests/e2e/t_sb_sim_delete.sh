#!/usr/bin/env bash
# t_sb_sim_delete.sh: pod deletion with a grace period, with the real
# kubectl: an exec'd process gets SIGTERM; one that ignores it keeps the
# pod Terminating (kubectl's STATUS) until the grace ends, then SIGKILL
# (the exec exits 137); --grace-period=0 --force is immediate; a
# ReplicaSet replaces a terminating pod at once, a StatefulSet only once
# the old one is gone.
. "$(dirname "$0")/lib.sh"
sb_start --no-s3
k() { kubectl -n default "$@"; }
home() { echo "$T/sb/pods/default/$1/$2"; }	# a container's folder ($HOME of exec)
# stubborn POD CONTAINER: an exec'd loop that ignores SIGTERM, in the
# background (its exit code lands in $T/POD.rc); returns once it is armed
stubborn() {
	(kubectl -n default exec "$1" -c "$2" -- sh -c 'trap "" TERM; touch "$HOME/armed"; while :; do sleep 0.1; done' \
		>/dev/null 2>"$T/$1.err"; echo $? >"$T/$1.rc") &
	WAIT=30 wait_cmd test -f "$(home "$1" "$2")/armed" || fail "$1: the exec'd loop did not start"
}
ready() { k wait --for=condition=Ready "pod/$1" --timeout=60s >/dev/null || fail "$1 not Ready"; }

# SIGTERM reaches an exec'd process; the pod goes once everything stopped
k run p1 --image=nginx >/dev/null && ready p1
(kubectl -n default exec p1 -- sh -c 'trap "echo got-term > \"\$HOME/term\"; exit 0" TERM; touch "$HOME/armed"; while :; do sleep 0.1; done' \
	>/dev/null 2>&1; echo $? >"$T/p1.rc") &
WAIT=30 wait_cmd test -f "$(home p1 p1)/armed" || fail "p1: the exec'd loop did not start"
k delete pod p1 --timeout=60s >/dev/null || fail "delete p1"
[ "$(cat "$(home p1 p1)/term" 2>/dev/null)" = got-term ] || fail "the exec'd process got no SIGTERM"
WAIT=10 wait_cmd test -f "$T/p1.rc" && [ "$(cat "$T/p1.rc")" = 0 ] || fail "p1's exec: $(cat "$T/p1.rc" 2>/dev/null)"
k get events --field-selector involvedObject.name=p1,reason=Killing --no-headers | grep -q "Stopping container p1" ||
	fail "no Killing event"

# a process that ignores SIGTERM: Terminating for the grace, then SIGKILL
k run p2 --image=nginx >/dev/null && ready p2
stubborn p2 p2
t0=$(date +%s.%N)
k delete pod p2 --grace-period=5 --wait=false >/dev/null || fail "delete p2"
k get pod p2 --no-headers | grep -q ' Terminating ' || fail "not Terminating: $(k get pod p2)"
[ "$(k get pod p2 -o jsonpath='{.metadata.deletionGracePeriodSeconds}')" = 5 ] || fail "deletionGracePeriodSeconds"
k wait --for=delete pod/p2 --timeout=60s >/dev/null || fail "p2 not deleted"
el=$(echo "$(date +%s.%N) - $t0" | bc)
[ "$(echo "$el >= 4.5" | bc)" = 1 ] || fail "p2 went after $el s, before its grace"
WAIT=10 wait_cmd test -f "$T/p2.rc" && [ "$(cat "$T/p2.rc")" = 137 ] || fail "p2's exec: rc $(cat "$T/p2.rc" 2>/dev/null)"
grep -q "command terminated with exit code 137" "$T/p2.err" || fail "p2's exec: $(cat "$T/p2.err")"

# --grace-period=0 --force: gone at once, its process killed
k run p3 --image=nginx >/dev/null && ready p3
stubborn p3 p3
k delete pod p3 --grace-period=0 --force >/dev/null 2>&1 || fail "force delete"
k get pod p3 2>&1 | grep -q 'pods "p3" not found' || fail "p3 still there: $(k get pod p3)"
WAIT=10 wait_cmd test -f "$T/p3.rc" && [ "$(cat "$T/p3.rc")" = 137 ] || fail "p3's exec: rc $(cat "$T/p3.rc" 2>/dev/null)"

# a ReplicaSet replaces a terminating pod at once
k create deployment web --image=nginx --replicas=2 >/dev/null
timeout 90 kubectl -n default rollout status deploy/web --timeout=80s >/dev/null || fail "web rollout"
old=$(k get pods -l app=web -o jsonpath='{.items[0].metadata.name}')
stubborn "$old" nginx
k delete pod "$old" --grace-period=30 --wait=false >/dev/null
WAIT=30 wait_cmd sh -c '[ "$(kubectl -n default get deploy web -o jsonpath="{.status.readyReplicas}")" = 2 ] &&
	[ "$(kubectl -n default get pods -l app=web --no-headers | grep -c " Running ")" = 2 ]' ||
	fail "no replacement: $(k get pods -l app=web)"
k get pod "$old" --no-headers | grep -q ' Terminating ' || fail "the old pod is not Terminating: $(k get pods -l app=web)"
k delete pod "$old" --grace-period=0 --force >/dev/null 2>&1

# a StatefulSet makes the pod again only once the old one is gone
cat >"$T/sts.yaml" <<'YAML'
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 6
      containers:
      - {name: pg, image: "postgres:16"}
YAML
k apply -f "$T/sts.yaml" >/dev/null
timeout 90 kubectl -n default rollout status sts/db --timeout=80s >/dev/null || fail "db rollout"
uid=$(k get pod db-0 -o jsonpath='{.metadata.uid}')
stubborn db-0 pg
k delete pod db-0 --wait=false >/dev/null
k get pods -l app=db --no-headers >"$T/during"
[ "$(wc -l <"$T/during")" = 1 ] && grep -q '^db-0 .* Terminating ' "$T/during" || fail "during the grace: $(cat "$T/during")"
[ "$(k get pod db-0 -o jsonpath='{.metadata.uid}')" = "$uid" ] || fail "db-0 replaced during its grace"
WAIT=60 wait_cmd sh -c "[ \"\$(kubectl -n default get pod db-0 -o jsonpath='{.metadata.uid}')\" != $uid ]" || fail "db-0 not made again"
k wait --for=condition=Ready pod/db-0 --timeout=60s >/dev/null || fail "the new db-0 not Ready"
ok "SIGTERM to exec'd processes, Terminating for the grace then SIGKILL (137), force, ReplicaSet and StatefulSet replacements"
