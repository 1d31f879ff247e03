#!/usr/bin/env bash
# Restarts keep every object (uid, resourceVersion, custom kinds); a kill -9
# in the middle of a stream of creates loses none that was answered 201;
# watches from before a restart get 410 Expired.
. "$(dirname "$0")/lib.sh"

sb_start --no-s3
API=$(sed -n 's/^api=//p' "$T/sb/ready")

kubectl create deployment web --image=nginx >/dev/null
kubectl create configmap conf --from-literal=a=1 >/dev/null
kubectl apply -f - >/dev/null <<'EOF' || fail "CRD"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {size: {type: integer}}}}}}
EOF
WAIT=10 wait_cmd kubectl get widgets || fail "CRD not served"
printf 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 3}\n' | kubectl apply -f - >/dev/null ||
	fail "custom object"
before=$(kubectl get deploy,cm,widgets -o json | jq -c '[.items[] | [.metadata.name, .metadata.uid, .metadata.resourceVersion]]')
rv=$(kubectl get --raw /api/v1/namespaces | jq -r .metadata.resourceVersion)

sb_stop
sb_start --no-s3
API=$(sed -n 's/^api=//p' "$T/sb/ready")
after=$(kubectl get deploy,cm,widgets -o json | jq -c '[.items[] | [.metadata.name, .metadata.uid, .metadata.resourceVersion]]')
[ "$before" = "$after" ] || fail "objects changed across a restart: $before / $after"
[ "$(kubectl get wd w1 -o jsonpath='{.spec.size}')" = 3 ] || fail "custom object lost"
[ "$(kubectl get --raw /api/v1/namespaces | jq -r .metadata.resourceVersion)" -ge "$rv" ] ||
	fail "resourceVersion went back"
kubectl create configmap after-restart >/dev/null
[ "$(kubectl get cm after-restart -o jsonpath='{.metadata.resourceVersion}')" -gt "$rv" ] ||
	fail "new writes reuse old resourceVersions"
# a watch from before the restart is too old: ERROR 410, then the end
out=$(curl -s -m 5 "$API/api/v1/namespaces/user-alice/configmaps?watch=true&resourceVersion=$((rv - 1))")
[ "$(head -n 1 <<<"$out" | jq -r .type)" = ERROR ] || fail "no ERROR event: $out"
[ "$(head -n 1 <<<"$out" | jq -r .object.code)" = 410 ] || fail "not 410: $out"
[ "$(head -n 1 <<<"$out" | jq -r .object.reason)" = Expired ] || fail "not Expired: $out"

# kill -9 during a stream of creates: every 201 survives
: >"$T/acked"
(
	i=0
	while [ $i -lt 100000 ]; do
		code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
			--data "{\"metadata\":{\"name\":\"k$i\"}}" "$API/api/v1/namespaces/user-alice/configmaps")
		[ "$code" = 201 ] && echo "k$i" >>"$T/acked"
		i=$((i + 1))
	done
) &
loader=$!
WAIT=20 wait_cmd sh -c "[ \$(wc -l <'$T/acked') -ge 150 ]" || fail "creates too slow"
kill -9 "$SB_PID"
wait "$SB_PID" 2>/dev/null
SB_PID=
kill "$loader" 2>/dev/null
wait "$loader" 2>/dev/null
n=$(wc -l <"$T/acked")
sb_start --no-s3
kubectl get cm -o json | jq -r '.items[].metadata.name' | sort >"$T/have"
missing=$(sort "$T/acked" | comm -23 - "$T/have")
[ -z "$missing" ] || fail "lost after kill -9: $(head -5 <<<"$missing")"
ok "restart keeps objects and versions; 410 for old watches; kill -9 lost none of $n acknowledged creates"
