#!/usr/bin/env bash
# t_sb_gpu.sh: GPUs with the real helm and kubectl: a chart whose GPU pod
# fits runs on a GPU node; one asking more GPUs than a node has stays
# Pending with the scheduler's FailedScheduling event; the user namespace's
# quota refuses a third GPU with the apiserver's 403; kubectl top works;
# /metrics/dcgm shows the GPUs of the running pod; GPU nodes are tainted
# and only pods asking for GPUs tolerate the taint.
. "$(dirname "$0")/lib.sh"
sb_start --no-s3
mkdir -p "$T/chart/templates"
cat >"$T/chart/Chart.yaml" <<'YAML'
apiVersion: v2
name: gpu-notebook
version: 0.1.0
YAML
cat >"$T/chart/values.yaml" <<'YAML'
gpus: 1
YAML
cat >"$T/chart/templates/sts.yaml" <<'YAML'
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {{ .Release.Name }}
spec:
  serviceName: {{ .Release.Name }}
  replicas: 1
  selector: {matchLabels: {app.kubernetes.io/instance: {{ .Release.Name }}}}
  template:
    metadata: {labels: {app.kubernetes.io/instance: {{ .Release.Name }}}}
    spec:
      containers:
      - name: main
        image: inseefrlab/onyxia-jupyter-pytorch-gpu:latest
        resources:
          requests: {cpu: 500m, memory: 1Gi}
          limits: {cpu: "2", memory: 4Gi, nvidia.com/gpu: "{{ .Values.gpus }}"}
YAML
helm install fits "$T/chart" -n default --set gpus=2 >/dev/null 2>"$T/helm.err" || fail "helm install fits: $(cat "$T/helm.err")"
helm install toobig "$T/chart" -n default --set gpus=8 >/dev/null 2>"$T/helm.err" || fail "helm install toobig: $(cat "$T/helm.err")"
WAIT=60 wait_cmd sh -c 'kubectl -n default get pod fits-0 --no-headers | grep -q Running' || fail "fits-0 not Running"
node=$(kubectl -n default get pod fits-0 -o jsonpath='{.spec.nodeName}')
case $node in sandbox-gpu-*) ;; *) fail "fits-0 on $node, not a GPU node" ;; esac
# the GPU nodes are tainted; admission (ExtendedResourceToleration) gave the
# GPU pod its toleration, and a pod asking no GPU never lands there
[ "$(kubectl get node sandbox-gpu-1 -o jsonpath='{.spec.taints[0].key}={.spec.taints[0].value}:{.spec.taints[0].effect}')" = \
	"nvidia.com/gpu=present:NoSchedule" ] || fail "sandbox-gpu-1 is not tainted"
[ "$(kubectl -n default get pod fits-0 -o jsonpath='{.spec.tolerations[?(@.key=="nvidia.com/gpu")].operator}')" = Exists ] ||
	fail "fits-0 has no toleration for nvidia.com/gpu: $(kubectl -n default get pod fits-0 -o jsonpath='{.spec.tolerations}')"
kubectl -n default create deployment plain --image=busybox --replicas=6 >/dev/null || fail "kubectl create deployment"
WAIT=60 wait_cmd sh -c '[ "$(kubectl -n default get pods -l app=plain --field-selector status.phase=Running --no-headers | wc -l)" -eq 6 ]' ||
	fail "the plain pods did not all run"
kubectl -n default get pods -l app=plain -o jsonpath='{range .items[*]}{.spec.nodeName}{"\n"}{end}' | grep -q gpu &&
	fail "a pod without GPUs landed on a GPU node"
kubectl -n default get pods -l app=plain -o jsonpath='{.items[0].spec.tolerations}' | grep -q nvidia && fail "a plain pod tolerates the GPU taint"
kubectl -n default delete deployment plain >/dev/null
WAIT=60 wait_cmd sh -c 'kubectl -n default get events --field-selector involvedObject.name=toobig-0,reason=FailedScheduling --no-headers | grep -q .' ||
	fail "no FailedScheduling event"
msg=$(kubectl -n default get events --field-selector involvedObject.name=toobig-0,reason=FailedScheduling -o jsonpath='{.items[0].message}')
[ "$msg" = "0/5 nodes are available: 5 Insufficient nvidia.com/gpu. preemption: 0/5 nodes are available: 5 No preemption victims found for incoming pod." ] ||
	fail "FailedScheduling message: $msg"
kubectl -n default get pod toobig-0 --no-headers | grep -q Pending || fail "toobig-0 not Pending"

# the seeded user namespace's quota: 2 GPUs
ns=$(kubectl config view --minify -o jsonpath='{.contexts[0].context.namespace}')
helm install q1 "$T/chart" -n "$ns" --set gpus=2 >/dev/null 2>&1 || fail "helm install q1"
WAIT=60 wait_cmd sh -c "kubectl -n $ns get pod q1-0 --no-headers | grep -q Running" || fail "q1-0 not Running"
WAIT=60 wait_cmd sh -c "kubectl -n $ns get quota onyxia-quota -o jsonpath='{.status.used.requests\\.nvidia\\.com/gpu}' | grep -qx 2" ||
	fail "quota used: $(kubectl -n "$ns" get quota onyxia-quota -o jsonpath='{.status.used}')"
out=$(kubectl -n "$ns" run third --image=x --restart=Never --overrides='{"apiVersion":"v1","spec":{"containers":[{"name":"third","image":"x","resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"cpu":"100m","memory":"64Mi","nvidia.com/gpu":"1"}}}]}}' 2>&1)
case $out in
*'is forbidden: exceeded quota: onyxia-quota, requested: limits.nvidia.com/gpu=1,requests.nvidia.com/gpu=1, used: limits.nvidia.com/gpu=2,requests.nvidia.com/gpu=2, limited: limits.nvidia.com/gpu=2,requests.nvidia.com/gpu=2'*) ;;
*) fail "quota refusal: $out" ;;
esac

kubectl top nodes >"$T/top" 2>&1 || fail "top nodes: $(cat "$T/top")"
grep -q "^$node " "$T/top" || fail "top nodes lists $node"
kubectl -n default top pods >"$T/top" 2>&1 || fail "top pods: $(cat "$T/top")"
grep -q "^fits-0 " "$T/top" || fail "top pods lists fits-0"
server=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
token=$(kubectl config view --minify --raw -o jsonpath='{.users[0].user.token}')
curl -sf -H "Authorization: Bearer $token" "$server/metrics/dcgm" >"$T/dcgm" || fail "GET /metrics/dcgm"
[ "$(grep -c '^DCGM_FI_DEV_GPU_UTIL{.*pod="fits-0"' "$T/dcgm")" = 2 ] || fail "two GPUs of fits-0 in $(cat "$T/dcgm")"
ok "GPU pod placed, Pending with the real message, quota 403, top, DCGM text"
