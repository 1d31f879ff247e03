#!/usr/bin/env bash
# The real kubectl 1.34 against a fresh sandbox: create (typed clients send
# protobuf), get (Tables, -o wide, -o json), describe, apply (client- and
# server-side, with a conflict), patch (strategic, merge, json), label,
# annotate, scale, rollout restart, delete (with owner cascade), get -w,
# api-resources, explain.  Every step checks what kubectl printed and what
# the API holds afterwards.
. "$(dirname "$0")/lib.sh"

sb_start --no-s3
j() { kubectl get "$@" -o json; }

# create: protobuf bodies from the typed clients
kubectl create namespace team-x | grep -qx 'namespace/team-x created' || fail "create namespace"
[ "$(j ns team-x | jq -r '.metadata.labels["kubernetes.io/metadata.name"]')" = team-x ] ||
	fail "namespace label missing"
kubectl create secret generic s3-creds --from-literal=AWS_ACCESS_KEY_ID=abc | grep -qx 'secret/s3-creds created' ||
	fail "create secret"
[ "$(j secret s3-creds | jq -r '.data.AWS_ACCESS_KEY_ID | @base64d')" = abc ] || fail "secret data"
[ "$(j secret s3-creds | jq -r .type)" = Opaque ] || fail "secret type"
kubectl create configmap conf --from-literal=a=1 | grep -qx 'configmap/conf created' || fail "create configmap"
kubectl create deployment web --image=nginx:1.27 --replicas=2 | grep -qx 'deployment.apps/web created' ||
	fail "create deployment"
d=$(j deploy web --show-managed-fields)
[ "$(jq -r .metadata.generation <<<"$d")" = 1 ] || fail "generation"
[ "$(jq -r .spec.strategy.type <<<"$d")" = RollingUpdate ] || fail "deployment defaults"
[ "$(jq -r '.metadata.managedFields[0].manager' <<<"$d")" = kubectl-create ] || fail "managedFields: $d"
kubectl create job once --image=busybox -- echo hi | grep -qx 'job.batch/once created' || fail "create job"
[ "$(j job once | jq -r '.spec.template.metadata.labels["job-name"]')" = once ] || fail "job labels"

# get: Table columns
out=$(kubectl get deploy)
grep -qE '^NAME +READY +UP-TO-DATE +AVAILABLE +AGE$' <<<"$out" || fail "deployment columns: $out"
grep -qE '^web +[0-2]/2 +[0-2] +[0-2] +[0-9]+s$' <<<"$out" || fail "deployment row: $out"	# part 2's controllers may be mid-rollout
out=$(kubectl get deploy -o wide)
grep -qE 'CONTAINERS +IMAGES +SELECTOR' <<<"$out" || fail "-o wide columns: $out"
grep -q 'nginx:1.27' <<<"$out" || fail "-o wide image: $out"
out=$(kubectl get secret)
grep -qE '^s3-creds +Opaque +1 ' <<<"$out" || fail "secret row: $out"
out=$(kubectl get cm --show-labels)
grep -q LABELS <<<"$out" || fail "--show-labels: $out"
out=$(kubectl get ns)
grep -qE '^user-alice +Active ' <<<"$out" || fail "namespace row: $out"
out=$(kubectl get all -A)
grep -q 'deployment.apps/web' <<<"$out" || fail "get all: $out"

# a pod, as part 2's controllers would make it: READY/STATUS columns, -o wide
kubectl apply -f - >/dev/null <<'EOF' || fail "apply pod"
apiVersion: v1
kind: Pod
metadata:
  name: p1
  labels: {app: p}
spec:
  containers: [{name: c, image: busybox:1.36}]
EOF
out=$(kubectl get pod p1)
grep -qE '^NAME +READY +STATUS +RESTARTS +AGE$' <<<"$out" || fail "pod columns: $out"
grep -qE '^p1 +[01]/1 +(Pending|ContainerCreating|Running) +0 +' <<<"$out" || fail "pod row: $out"	# part 2 runs it
kubectl get pod p1 -o wide | grep -qE 'IP +NODE +NOMINATED NODE +READINESS GATES' || fail "pod -o wide"
[ "$(j pod p1 | jq -r .status.qosClass)" = BestEffort ] || fail "pod qosClass"

# describe (it also lists events by field selector)
out=$(kubectl describe deploy web)
grep -qE '^Replicas: +2 desired' <<<"$out" || fail "describe: $out"
kubectl describe pod p1 | grep -qE '^Events:' || fail "describe pod events"

# apply, client side: create then configure
cat >"$T/cm.yaml" <<'EOF'
apiVersion: v1
kind: ConfigMap
metadata:
  name: applied
data:
  a: "1"
EOF
kubectl apply -f "$T/cm.yaml" | grep -qx 'configmap/applied created' || fail "apply create"
sed -i 's/"1"/"2"/' "$T/cm.yaml"
kubectl apply -f "$T/cm.yaml" | grep -qx 'configmap/applied configured' || fail "apply configure"
kubectl apply -f "$T/cm.yaml" | grep -qx 'configmap/applied unchanged' || fail "apply unchanged"
c=$(j cm applied --show-managed-fields)
[ "$(jq -r .data.a <<<"$c")" = 2 ] || fail "applied value"
jq -e '.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]' <<<"$c" >/dev/null ||
	fail "last-applied annotation"

# diff and server-side dry runs: nothing is stored
sed -i 's/"2"/"9"/' "$T/cm.yaml"
out=$(kubectl diff -f "$T/cm.yaml") && fail "kubectl diff saw no change"
grep -q '^+  a: "9"' <<<"$out" || fail "diff: $out"
kubectl apply --dry-run=server -f "$T/cm.yaml" | grep -qx 'configmap/applied configured (server dry run)' ||
	fail "apply --dry-run=server"
kubectl create configmap dry --dry-run=server -o name | grep -qx configmap/dry || fail "create --dry-run=server"
kubectl get configmap dry >/dev/null 2>&1 && fail "a dry run stored an object"
[ "$(j cm applied | jq -r .data.a)" = 2 ] || fail "a dry run changed the object"
sed -i 's/"9"/"2"/' "$T/cm.yaml"

# apply, server side: a second manager conflicts, then forces
kubectl apply --server-side -f "$T/cm.yaml" | grep -qx 'configmap/applied serverside-applied' || fail "ssa"
sed -i 's/"2"/"3"/' "$T/cm.yaml"
out=$(kubectl apply --server-side --field-manager=other -f "$T/cm.yaml" 2>&1) && fail "no conflict"
grep -qF 'Apply failed with 1 conflict: conflict with "kubectl": .data.a' <<<"$out" || fail "conflict: $out"
[ "$(j cm applied | jq -r .data.a)" = 2 ] || fail "a conflicting apply changed the object"
kubectl apply --server-side --force-conflicts --field-manager=other -f "$T/cm.yaml" >/dev/null || fail "force"
c=$(j cm applied --show-managed-fields)
[ "$(jq -r .data.a <<<"$c")" = 3 ] || fail "forced value"
jq -e '.metadata.managedFields[] | select(.manager == "other" and .operation == "Apply")' <<<"$c" >/dev/null ||
	fail "managedFields after force: $c"

# patches of every type, label, annotate
kubectl patch cm applied -p '{"data":{"b":"x"}}' | grep -qx 'configmap/applied patched' || fail "smp"
kubectl patch cm applied --type=merge -p '{"data":{"c":"y"}}' >/dev/null || fail "merge patch"
kubectl patch cm applied --type=json -p '[{"op":"add","path":"/data/d","value":"z"}]' >/dev/null || fail "json patch"
out=$(kubectl patch cm applied --type=json -p '[{"op":"test","path":"/data/d","value":"no"}]' 2>&1) &&
	fail "a failed test op passed"
kubectl patch deploy web -p '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.28"}]}}}}' \
	>/dev/null || fail "smp containers by name"
d=$(j deploy web --show-managed-fields)
[ "$(jq '.spec.template.spec.containers | length' <<<"$d")" = 1 ] || fail "smp merged containers by name: $d"
[ "$(jq -r '.spec.template.spec.containers[0].image' <<<"$d")" = nginx:1.28 ] || fail "smp image"
[ "$(jq -r .metadata.generation <<<"$d")" = 2 ] || fail "generation after a spec change"
kubectl label cm applied team=blue | grep -qx 'configmap/applied labeled' || fail "label"
kubectl annotate cm applied note=hi | grep -qx 'configmap/applied annotated' || fail "annotate"
c=$(j cm applied --show-managed-fields)
[ "$(jq -c .data <<<"$c")" = '{"a":"3","b":"x","c":"y","d":"z"}' ] || fail "patched data: $(jq -c .data <<<"$c")"
[ "$(jq -r .metadata.labels.team <<<"$c")" = blue ] || fail "label value"
[ "$(jq -r .metadata.annotations.note <<<"$c")" = hi ] || fail "annotation value"
kubectl get cm -l team=blue -o name | grep -qx 'configmap/applied' || fail "label selector"
[ -z "$(kubectl get cm -l team=red -o name)" ] || fail "label selector matched wrongly"
kubectl get cm --field-selector metadata.name=conf -o name | grep -qx configmap/conf || fail "field selector"

# scale (the scale subresource) and rollout restart
kubectl scale deploy web --replicas=5 | grep -qx 'deployment.apps/web scaled' || fail "scale"
[ "$(j deploy web | jq .spec.replicas)" = 5 ] || fail "scaled replicas"
kubectl get --raw /apis/apps/v1/namespaces/user-alice/deployments/web/scale | jq -e '.kind == "Scale" and .spec.replicas == 5' \
	>/dev/null || fail "Scale object"
kubectl rollout restart deploy web | grep -qx 'deployment.apps/web restarted' || fail "rollout restart"
j deploy web | jq -e '.spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"]' >/dev/null ||
	fail "restartedAt annotation"

# delete: Background cascade through ownerReferences
uid=$(j deploy web | jq -r .metadata.uid)
kubectl apply -f - >/dev/null <<EOF || fail "apply a dependent"
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-rs
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: $uid, controller: true, blockOwnerDeletion: true}]
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx}]}
EOF
rsuid=$(j rs web-rs | jq -r .metadata.uid)
kubectl apply -f - >/dev/null <<EOF || fail "apply a second-level dependent"
apiVersion: v1
kind: Pod
metadata:
  name: web-rs-pod
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-rs, uid: $rsuid, controller: true}]
spec: {containers: [{name: c, image: nginx}]}
EOF
kubectl delete deploy web | grep -qx 'deployment.apps "web" deleted from user-alice namespace' || fail "delete"
WAIT=10 wait_cmd sh -c '! kubectl get rs web-rs' || fail "ReplicaSet not collected"
WAIT=10 wait_cmd sh -c '! kubectl get pod web-rs-pod' || fail "pod not collected"
# Orphan: the dependent stays, without its reference
kubectl create deployment keep --image=nginx >/dev/null
uid=$(j deploy keep | jq -r .metadata.uid)
kubectl create configmap dep -o json --dry-run=client | jq --arg u "$uid" \
	'.metadata.ownerReferences=[{"apiVersion":"apps/v1","kind":"Deployment","name":"keep","uid":$u}]' |
	kubectl create -f - >/dev/null || fail "create dependent"
kubectl delete deploy keep --cascade=orphan >/dev/null || fail "orphan delete"
WAIT=10 wait_cmd sh -c '! kubectl get deploy keep' || fail "orphaned owner not deleted"
[ "$(j cm dep | jq '.metadata.ownerReferences // [] | length')" = 0 ] || fail "orphan kept its reference"

# watch: kubectl get -w prints the changes
kubectl get cm -w >"$T/watch.out" 2>&1 &
wpid=$!
WAIT=10 wait_cmd grep -q '^conf ' "$T/watch.out" || fail "watch list"
kubectl create configmap watched --from-literal=q=1 >/dev/null
kubectl delete configmap watched >/dev/null
WAIT=10 wait_cmd sh -c "[ \$(grep -c '^watched ' '$T/watch.out') -ge 2 ]" || fail "watch events: $(cat "$T/watch.out")"
kill "$wpid" 2>/dev/null
wait "$wpid" 2>/dev/null

# events.k8s.io/v1 serves the same objects as core v1 Events
kubectl apply -f - >/dev/null <<'EOF' || fail "events.k8s.io create"
apiVersion: events.k8s.io/v1
kind: Event
metadata: {name: manual.1}
eventTime: "2026-01-01T00:00:00.000000Z"
reason: Tested
note: written through events.k8s.io
type: Normal
action: Test
reportingController: e2e
reportingInstance: e2e-1
regarding: {kind: ConfigMap, name: conf, namespace: user-alice}
EOF
[ "$(kubectl get event manual.1 -o jsonpath='{.message}')" = "written through events.k8s.io" ] || fail "core view"
[ "$(kubectl get event manual.1 -o jsonpath='{.involvedObject.name}')" = conf ] || fail "core involvedObject"
[ "$(kubectl get events.events.k8s.io manual.1 -o jsonpath='{.note}')" = "written through events.k8s.io" ] ||
	fail "events.k8s.io view"

# authorization: the one user may do everything
[ "$(kubectl auth can-i create pods)" = yes ] || fail "auth can-i"

# discovery and explain
out=$(kubectl api-resources)
grep -qE '^deployments +deploy +apps/v1 +true +Deployment$' <<<"$out" || fail "api-resources: $out"
grep -qE '^configmaps +cm +v1 +true +ConfigMap$' <<<"$out" || fail "api-resources cm"
out=$(kubectl explain deployment.spec 2>&1) || fail "explain: $out"
grep -q 'KIND: *Deployment' <<<"$out" || fail "explain output: $out"

# delete a namespace: its objects go, then it does
kubectl -n team-x create configmap inside >/dev/null
kubectl delete namespace team-x | grep -qx 'namespace "team-x" deleted' || fail "delete namespace"
WAIT=10 wait_cmd sh -c '! kubectl get ns team-x' || fail "namespace not removed"
[ -z "$(kubectl get --raw /api/v1/namespaces/team-x/configmaps 2>/dev/null | jq -r '.items[]?.metadata.name')" ] ||
	fail "objects left in a deleted namespace"
ok "create, get, describe, apply (csa, ssa, conflict), patches, label, scale, restart, delete cascade, watch, explain"
