#!/usr/bin/env bash
# t_sb_sim_rollout.sh: rollouts with the real kubectl and helm: a
# Deployment's rollout restart, set image with a change-cause, status,
# history (one revision per ReplicaSet), undo and undo --to-revision,
# pause and resume; a StatefulSet's restart, history and undo through its
# ControllerRevisions; helm upgrade --wait returning only once the
# rollout is done (minReadySeconds makes it last).
. "$(dirname "$0")/lib.sh"
sb_start --no-s3
k() { kubectl -n default "$@"; }
rs_of() {	# rs_of REVISION: the ReplicaSet of web with that revision
	k get rs -l app=web -o json |
		jq -r --arg r "$1" '.items[] | select(.metadata.annotations["deployment.kubernetes.io/revision"] == $r) | .metadata.name'
}
status() { timeout 120 kubectl -n default rollout status "$@" --timeout=110s >/dev/null 2>"$T/rollout.err"; }

k create deployment web --image=nginx:1.26 --replicas=4 >/dev/null || fail "create deployment"
status deploy/web || fail "first rollout: $(cat "$T/rollout.err")"
k set image deploy/web nginx=nginx:1.27 >/dev/null || fail "set image"
k annotate deploy/web kubernetes.io/change-cause="to 1.27" >/dev/null || fail "annotate"
out=$(timeout 120 kubectl -n default rollout status deploy/web --timeout=110s) || fail "rollout: $out"
grep -q 'deployment "web" successfully rolled out' <<<"$out" || fail "rollout status: $out"
grep -qE 'Waiting for deployment "web" rollout to finish: [0-9]+ (out of 4 new replicas have been updated|old replicas are pending termination|of 4 updated replicas are available)' <<<"$out" ||
	fail "no progress lines: $out"
hist=$(k rollout history deploy/web) || fail "history"
grep -qE '^1 +<none>$' <<<"$hist" || fail "history 1: $hist"
grep -qE '^2 +to 1.27$' <<<"$hist" || fail "history 2: $hist"
[ "$(k get rs "$(rs_of 1)" -o jsonpath='{.spec.replicas}')" = 0 ] || fail "old ReplicaSet not at 0"
[ "$(k get rs "$(rs_of 2)" -o jsonpath='{.status.readyReplicas}')" = 4 ] || fail "new ReplicaSet not ready"
d=$(k get deploy web -o json)
[ "$(jq -r '.metadata.annotations["deployment.kubernetes.io/revision"]' <<<"$d")" = 2 ] || fail "deployment revision"
[ "$(jq -r '.status.conditions[] | select(.type == "Progressing") | .reason' <<<"$d")" = NewReplicaSetAvailable ] ||
	fail "Progressing: $(jq -c .status.conditions <<<"$d")"
[ "$(jq -r '.status.conditions[] | select(.type == "Available") | .reason' <<<"$d")" = MinimumReplicasAvailable ] ||
	fail "Available: $(jq -c .status.conditions <<<"$d")"
k get events --field-selector involvedObject.name=web,reason=ScalingReplicaSet --no-headers | grep -q "Scaled down replica set" ||
	fail "no ScalingReplicaSet event"

# undo: the previous template again, its ReplicaSet renumbered 3
k rollout undo deploy/web | grep -qx 'deployment.apps/web rolled back' || fail "undo"
status deploy/web || fail "undo rollout: $(cat "$T/rollout.err")"
[ "$(k get deploy web -o jsonpath='{.spec.template.spec.containers[0].image}')" = nginx:1.26 ] || fail "undo image"
hist=$(k rollout history deploy/web)
grep -qE '^2 +to 1.27$' <<<"$hist" && grep -qE '^3 +<none>$' <<<"$hist" || fail "history after undo: $hist"
[ "$(k get rs -l app=web --no-headers | wc -l)" = 2 ] || fail "undo made a ReplicaSet"
[ "$(k get rs "$(rs_of 3)" -o jsonpath="{.metadata.annotations['deployment\.kubernetes\.io/revision-history']}")" = 1 ] ||
	fail "revision-history"
k rollout history deploy/web --revision=2 | grep -q 'Image:.*nginx:1.27' || fail "history --revision=2"
k rollout undo deploy/web --to-revision=2 >/dev/null || fail "undo --to-revision"
status deploy/web || fail "undo 2 rollout"
[ "$(k get deploy web -o jsonpath='{.spec.template.spec.containers[0].image}')" = nginx:1.27 ] || fail "undo 2 image"

# pause: a new template waits, scaling does not; resume rolls it out
k rollout pause deploy/web >/dev/null || fail "pause"
WAIT=20 wait_cmd sh -c "kubectl -n default get deploy web -o jsonpath='{.status.conditions[?(@.type==\"Progressing\")].reason}' | grep -qx DeploymentPaused" ||
	fail "no DeploymentPaused"
nrs=$(k get rs -l app=web --no-headers | wc -l)
k set image deploy/web nginx=nginx:1.28 >/dev/null
k scale deploy/web --replicas=5 >/dev/null
WAIT=30 wait_cmd sh -c '[ "$(kubectl -n default get deploy web -o jsonpath="{.status.readyReplicas}")" = 5 ]' ||
	fail "paused deployment did not scale"
[ "$(k get rs -l app=web --no-headers | wc -l)" = "$nrs" ] || fail "a paused deployment rolled out"
k rollout resume deploy/web >/dev/null || fail "resume"
status deploy/web || fail "resumed rollout"
[ "$(k get pods -l app=web -o jsonpath='{.items[*].spec.containers[0].image}' | tr ' ' '\n' | sort -u)" = nginx:1.28 ] ||
	fail "pods after resume: $(k get pods -l app=web -o wide)"

# StatefulSet: restart by ordinal, history and undo from its ControllerRevisions
cat >"$T/sts.yaml" <<'YAML'
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - {name: postgres, image: "postgres:16"}
YAML
k apply -f "$T/sts.yaml" >/dev/null || fail "apply sts"
status sts/db || fail "sts rollout: $(cat "$T/rollout.err")"
rev1=$(k get sts db -o jsonpath='{.status.updateRevision}')
k rollout restart sts/db >/dev/null || fail "sts restart"
out=$(timeout 120 kubectl -n default rollout status sts/db --timeout=110s) || fail "sts rollout status: $out"
grep -q 'partitioned roll out complete: 3 new pods have been updated' <<<"$out" || fail "sts status: $out"
s=$(k get sts db -o json)
rev2=$(jq -r .status.updateRevision <<<"$s")
[ "$rev2" != "$rev1" ] && [ "$(jq -r .status.currentRevision <<<"$s")" = "$rev2" ] || fail "revisions: $(jq -c .status <<<"$s")"
[ "$(k get pods -l app=db -o jsonpath='{.items[*].metadata.labels.controller-revision-hash}')" = "$rev2 $rev2 $rev2" ] ||
	fail "pods' revisions"
[ "$(k get controllerrevision "$rev2" -o jsonpath='{.revision}')" = 2 ] || fail "ControllerRevision 2"
k rollout history sts/db | grep -qE '^2 +<none>$' || fail "sts history"
k rollout undo sts/db | grep -qx 'statefulset.apps/db rolled back' || fail "sts undo"
status sts/db || fail "sts undo rollout"
[ "$(k get sts db -o jsonpath='{.status.updateRevision}')" = "$rev1" ] || fail "undo revision"
[ "$(k get controllerrevision "$rev1" -o jsonpath='{.revision}')" = 3 ] || fail "undo renumbered"

# helm upgrade --wait: back only when the rollout is done
mkdir -p "$T/chart/templates"
printf 'apiVersion: v2\nname: app\nversion: 0.1.0\n' >"$T/chart/Chart.yaml"
printf 'tag: "1"\n' >"$T/chart/values.yaml"
cat >"$T/chart/templates/deploy.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: "{{ .Release.Name }}"}
spec:
  replicas: 3
  minReadySeconds: 2
  selector: {matchLabels: {app: "{{ .Release.Name }}"}}
  template:
    metadata: {labels: {app: "{{ .Release.Name }}"}}
    spec:
      containers:
      - {name: app, image: "registry.example/app:{{ .Values.tag }}"}
YAML
helm install hw "$T/chart" -n default --wait --timeout 2m >/dev/null 2>"$T/helm.err" || fail "helm install --wait: $(cat "$T/helm.err")"
helm upgrade hw "$T/chart" -n default --set tag=2 --wait --timeout 2m >/dev/null 2>"$T/helm.err" ||
	fail "helm upgrade --wait: $(cat "$T/helm.err")"
d=$(k get deploy hw -o json)
jq -e '.status.updatedReplicas == 3 and .status.availableReplicas == 3 and .status.replicas == 3 and
       .status.observedGeneration == .metadata.generation' <<<"$d" >/dev/null ||
	fail "helm returned before the rollout was done: $(jq -c .status <<<"$d")"
k get rs -l app=hw -o json | jq -e '[.items[] | select(.spec.template.spec.containers[0].image == "registry.example/app:1") | .status.replicas] == [0]' >/dev/null ||
	fail "old ReplicaSet still has pods: $(k get rs -l app=hw)"
ok "restart, set image, status, history, undo, pause/resume; StatefulSet restart and undo; helm upgrade --wait"
