#!/usr/bin/env bash
# t_sb_class_scope.sh: a class's students are kept to their namespace, as
# RBAC keeps an Onyxia user: `datalab-sandbox --tls --class 2`, then, with
# student01's kubeconfig, the real kubectl and helm work in user-student01
# and are refused elsewhere with the apiserver's own sentences; `kubectl
# auth can-i` answers the same; the sandbox's own user still sees all.
# The console as student01: `a` falls back to the namespace and says why,
# :nodes says it is an administrator's view, :pods shows the pod with its
# usage.  (Over plain HTTP client-go sends no token: t_journey_classroom
# covers the console there.)
. "$(dirname "$0")/lib.sh"
sb_start --tls --class 2
K=$T/sb/class/student01/kubeconfig
s1() { kubectl --kubeconfig "$K" "$@" 2>&1; }
export HELM_CONFIG_HOME=$T/helm HELM_CACHE_HOME=$T/helm

# kubectl: its own namespace, nothing else
out=$(s1 run web --image=nginx --overrides='{"spec":{"containers":[{"name":"web","image":"nginx","resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"cpu":"100m","memory":"64Mi"}}}]}}') ||
	fail "student01 cannot create a pod in user-student01: $out"
s1 get pods -o name | grep -qx "pod/web" || fail "student01 does not see its pod: $(s1 get pods)"
out=$(s1 get pods -A)
[ "$out" = 'Error from server (Forbidden): pods is forbidden: User "student01" cannot list resource "pods" in API group "" at the cluster scope' ] ||
	fail "pods -A: $out"
out=$(s1 get pods -n user-student02)
[ "$out" = 'Error from server (Forbidden): pods is forbidden: User "student01" cannot list resource "pods" in API group "" in the namespace "user-student02"' ] ||
	fail "pods -n user-student02: $out"
out=$(s1 delete deployment x -n user-student02)
[ "$out" = 'Error from server (Forbidden): deployments.apps "x" is forbidden: User "student01" cannot delete resource "deployments" in API group "apps" in the namespace "user-student02"' ] ||
	fail "delete in user-student02: $out"
out=$(s1 get nodes)
case $out in *'nodes is forbidden: User "student01" cannot list resource "nodes" in API group "" at the cluster scope'*) ;;
*) fail "nodes: $out" ;; esac
out=$(s1 top nodes)
case $out in *'nodes.metrics.k8s.io is forbidden: User "student01" cannot list resource "nodes" in API group "metrics.k8s.io"'*) ;;
*) fail "top nodes: $out" ;; esac
out=$(s1 exec web -n user-student02 -- true)	# kubectl reads the pod first
case $out in *'pods "web" is forbidden: User "student01" cannot get resource "pods" in API group "" in the namespace "user-student02"'*) ;;
*) fail "exec in user-student02: $out" ;; esac
out=$(s1 create --raw '/api/v1/namespaces/user-student02/pods/web/exec?command=true&stdout=true' -f /dev/null)
case $out in *'cannot create resource "pods/exec" in API group "" in the namespace "user-student02"'*) ;;
*) fail "exec POST in user-student02: $out" ;; esac
out=$(s1 get --raw /metrics/dcgm)
case $out in *'forbidden: User "student01" cannot get path "/metrics/dcgm"'*) ;; *) fail "dcgm: $out" ;; esac
s1 get namespace user-student01 -o name | grep -qx namespace/user-student01 || fail "its namespace object is not readable"
s1 get namespace user-student02 | grep -q Forbidden || fail "another namespace object is readable"
s1 get --raw /version | grep -q gitVersion || fail "/version refused"
# auth can-i, kubectl's access reviews (protobuf bodies)
for q in "yes:list pods" "yes:create deployments.apps" "no:list pods -A" "no:list pods -n user-student02" \
	"no:list nodes" "yes:get namespace/user-student01" "no:get namespace/user-student02"; do
	want=${q%%:*}
	# shellcheck disable=SC2086
	got=$(kubectl --kubeconfig "$K" auth can-i ${q#*:} 2>/dev/null)
	[ "$got" = "$want" ] || fail "auth can-i ${q#*:}: '$got', not '$want'"
done
kubectl --kubeconfig "$K" auth can-i --list -n user-student02 | grep -qE '^namespaces +\[\] +\[user-student01\] +\[get\]' ||
	fail "can-i --list elsewhere: $(kubectl --kubeconfig "$K" auth can-i --list -n user-student02)"

# helm: installs in its namespace, refused in another, helm list -A refused
repo=$(sb_server)/charts
ca=$T/sb/tls/ca.crt
helm --kubeconfig "$K" install nb jupyter-demo --repo "$repo" --ca-file "$ca" >/dev/null 2>"$T/helm.err" ||
	fail "helm install in its namespace: $(cat "$T/helm.err")"
helm --kubeconfig "$K" list -o json | grep -q '"name":"nb"' || fail "helm list lacks nb"
helm --kubeconfig "$K" list -A >/dev/null 2>"$T/helm.err" && fail "helm list -A allowed"
grep -q 'secrets is forbidden: User "student01" cannot list resource "secrets" in API group "" at the cluster scope' "$T/helm.err" ||
	fail "helm list -A: $(cat "$T/helm.err")"
helm --kubeconfig "$K" install nb2 jupyter-demo --repo "$repo" --ca-file "$ca" -n user-student02 >/dev/null 2>"$T/helm.err" &&
	fail "helm install in user-student02 allowed"
grep -q 'is forbidden: User "student01"' "$T/helm.err" || fail "helm in user-student02: $(cat "$T/helm.err")"
# the sandbox's own user: everything
kubectl get pods -A -o name | grep -q "pod/web" || fail "the admin does not see student01's pod"

# the console as student01: the fallbacks, worded
dl_start --kubeconfig "$K"
wait_for "nb" 20 || fail "student01's console does not list nb"
keys a
wait_for "in all namespaces: showing 'user-student01'" 10 || fail "a: no fallback sentence"
keys ':nodes' Enter
wait_for "not allowed to list 'nodes'" 10 || fail ":nodes does not say it is refused"
keys ':pods' Enter
WAIT=20 wait_cmd sh -c "tmux -L $SOCK capture-pane -p -t dl | grep -E '^user-student01 +web .*Running.* [0-9]+m +[0-9.]+[KMG]i'" ||
	{ pane; fail ":pods: web without its usage"; }
keys q
wait_for "Quit datalab?" 5 && keys y
ok "kubectl, can-i and helm kept to the namespace with RBAC's sentences; the console falls back and says why"
