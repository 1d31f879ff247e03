#!/usr/bin/env bash
# t_sb_workloads.sh: the sandbox's controllers with the real kubectl:
# a Deployment scaled to 0 and back (Onyxia's suspend), a StatefulSet with
# ordinal pods and bound claims (and a claim retention policy of Delete),
# a Job that completes, a crash-looping pod, and a cascading delete.
. "$(dirname "$0")/lib.sh"
sb_start --no-s3
k() { kubectl -n default "$@"; }
# wait_jp RESOURCE JSONPATH VALUE: polls until kubectl prints VALUE
wait_jp() {
	local end=$(($(date +%s) + ${4:-60})) got
	until got=$(k get "$1" -o "jsonpath=$2" 2>&1) && [ "$got" = "$3" ]; do
		[ "$(date +%s)" -lt "$end" ] || fail "$1 $2: '$got', want '$3'"
		sleep 0.1
	done
}

k create deployment web --image=nginx:1.27 --replicas=3 >/dev/null || fail "create deployment"
wait_jp deploy/web '{.status.readyReplicas}' 3
[ "$(k get pods -l app=web --no-headers | grep -c Running)" = 3 ] || fail "3 running pods"
k get pods -l app=web -o jsonpath='{.items[0].metadata.ownerReferences[0].kind}' | grep -qx ReplicaSet ||
	fail "pods owned by the ReplicaSet"
k scale deploy/web --replicas=0 >/dev/null || fail "scale to 0"
WAIT=60 wait_cmd sh -c '[ -z "$(kubectl -n default get pods -l app=web -o name)" ]' || fail "pods gone at 0"
wait_jp deploy/web '{.status.observedGeneration}' 2
k scale deploy/web --replicas=2 >/dev/null || fail "scale back"
wait_jp deploy/web '{.status.readyReplicas}' 2

cat >"$T/sts.yaml" <<'YAML'
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - {name: postgres, image: postgres:16}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
YAML
k apply --server-side -f "$T/sts.yaml" >/dev/null || fail "apply statefulset"
wait_jp sts/db '{.status.readyReplicas}' 2
k get pod db-0 db-1 >/dev/null 2>&1 || fail "ordinal pod names"
wait_jp pvc/data-db-1 '{.status.phase}' Bound
k logs db-0 | grep -q "database system is ready to accept connections" || fail "postgres startup log"

# persistentVolumeClaimRetentionPolicy: Delete takes the claims away, Retain keeps them
sed -e 's/name: db}/name: cache}/' -e 's/app: db/app: cache/g' -e 's/serviceName: db/serviceName: cache/' \
	-e 's/^  replicas: 2$/  replicas: 2\n  persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete, whenScaled: Delete}/' \
	"$T/sts.yaml" >"$T/cache.yaml"
k apply -f "$T/cache.yaml" >/dev/null || fail "apply cache"
wait_jp sts/cache '{.status.readyReplicas}' 2
wait_jp pvc/data-cache-1 '{.status.phase}' Bound
k scale sts/cache --replicas=1 >/dev/null
WAIT=60 wait_cmd sh -c '! kubectl -n default get pvc data-cache-1' || fail "whenScaled: Delete kept data-cache-1"
k delete sts cache >/dev/null
WAIT=60 wait_cmd sh -c '! kubectl -n default get pvc data-cache-0' || fail "whenDeleted: Delete kept data-cache-0"
k get pvc data-db-0 data-db-1 >/dev/null 2>&1 || fail "Retain lost a claim"

k create job once --image=busybox -- sh -c 'echo done' >/dev/null || fail "create job"
wait_jp job/once '{.status.succeeded}' 1
k get job once -o jsonpath='{.status.conditions[?(@.type=="Complete")].status}' | grep -qx True ||
	fail "job Complete"

k run crashy --image=example/crashloop:1 --restart=Always >/dev/null || fail "run crashy"
end=$(($(date +%s) + 60))
until k get pod crashy --no-headers 2>/dev/null | grep -q CrashLoopBackOff; do
	[ "$(date +%s)" -lt "$end" ] || fail "no CrashLoopBackOff: $(k get pod crashy --no-headers)"
	sleep 0.2
done
k get pod crashy -o jsonpath='{.status.containerStatuses[0].restartCount}' | grep -qx 1 || fail "restartCount"
k get events --field-selector involvedObject.name=crashy,reason=BackOff --no-headers | grep -q "Back-off restarting" ||
	fail "BackOff event"
k logs crashy --previous | grep -q "exiting" || fail "previous log"

k delete deploy web >/dev/null || fail "delete deployment"
WAIT=60 wait_cmd sh -c '[ -z "$(kubectl -n default get rs,pods -l app=web -o name)" ]' || fail "cascade"
ok "scale 0 and back, ordinals, claims, job, crash loop, cascade"
