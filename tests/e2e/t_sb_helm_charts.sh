#!/usr/bin/env bash
# The real helm v4 against a fresh sandbox, offline, with every chart of the
# shared test data: install (server-side apply, protobuf release Secrets),
# list, status, get values, upgrade, history, rollback, uninstall; the
# Bitnami subcharts of postgresql and mlflow included.  The OpenShift Route
# variant fails with helm's own error, route.openshift.io not being served.
# Each step checks helm's output and what the API holds.
. "$(dirname "$0")/lib.sh"

CHARTS=$ROOT/../shared/testdata/charts
[ -d "$CHARTS" ] || fail "no shared test charts at $CHARTS"
sb_start --no-s3
NS=user-alice

release_secret() {	# release_secret NAME REV: the storage Secret's JSON
	kubectl get secret "sh.helm.release.v1.$1.v$2" -o json
}

for c in jupyter-python rstudio vscode-python postgresql pgadmin mlflow label-studio; do
	r=r-$c
	out=$(helm install "$r" "$CHARTS/$c" 2>&1) || fail "$c: install: $out"
	grep -q '^STATUS: deployed$' <<<"$out" || fail "$c: install status: $out"
	s=$(release_secret "$r" 1) || fail "$c: no release Secret"
	[ "$(jq -r .type <<<"$s")" = helm.sh/release.v1 ] || fail "$c: release Secret type"
	[ "$(jq -r .metadata.labels.owner <<<"$s")" = helm ] || fail "$c: release Secret labels"
	[ "$(jq -r .metadata.labels.status <<<"$s")" = deployed ] || fail "$c: release status label"
	# the objects exist, labelled by helm and owned (managedFields) by it
	n=$(kubectl get all,secret,cm,sa,pvc,ing,netpol,pdb,role,rolebinding -l "app.kubernetes.io/instance=$r" -o name | wc -l)
	[ "$n" -ge 2 ] || fail "$c: only $n objects found for the release"
	svc=$(kubectl get svc -l "app.kubernetes.io/instance=$r" -o json | jq -r '.items[0].metadata.name')
	kubectl get svc "$svc" -o json --show-managed-fields |
		jq -e '.metadata.annotations["meta.helm.sh/release-name"] and
		       ([.metadata.managedFields[] | select(.manager == "helm" and .operation == "Apply")] | length == 1)' \
		>/dev/null || fail "$c: service $svc lacks helm's annotations or Apply managedFields"

	json=$(helm list -o json)
	[ "$(jq -r --arg r "$r" '.[] | select(.name == $r) | .status' <<<"$json")" = deployed ] || fail "$c: list: $json"
	helm status "$r" | grep -q '^STATUS: deployed$' || fail "$c: status"

	out=$(helm upgrade "$r" "$CHARTS/$c" --set-string e2e=upgraded 2>&1) || fail "$c: upgrade: $out"
	grep -q '^REVISION: 2$' <<<"$out" || fail "$c: upgrade revision: $out"
	[ "$(helm get values "$r" -o json | jq -r .e2e)" = upgraded ] || fail "$c: get values"
	[ "$(release_secret "$r" 1 | jq -r .metadata.labels.status)" = superseded ] || fail "$c: v1 not superseded"

	helm rollback "$r" 1 2>&1 | grep -q 'Rollback was a success' || fail "$c: rollback"
	h=$(helm history "$r" -o json)
	[ "$(jq length <<<"$h")" = 3 ] || fail "$c: history: $h"
	[ "$(jq -r '.[2].status' <<<"$h")" = deployed ] || fail "$c: history status: $h"
	[ "$(jq -r '.[2].description' <<<"$h")" = "Rollback to 1" ] || fail "$c: history: $h"
	[ "$(helm get values "$r" -o json | jq -r '.e2e // "none"')" = none ] || fail "$c: values after rollback"

	helm uninstall "$r" 2>&1 | grep -qx "release \"$r\" uninstalled" || fail "$c: uninstall"
	# (claims made from a StatefulSet's volumeClaimTemplates stay, as their
	#  retention policy Retain says; the chart's own objects go)
	WAIT=20 wait_cmd sh -c "[ -z \"\$(kubectl get all,secret,cm,ing -l app.kubernetes.io/instance=$r -o name)\" ]" ||
		fail "$c: objects left after uninstall: $(kubectl get all,secret,cm,ing -l app.kubernetes.io/instance=$r -o name)"
	kubectl get secret -l "owner=helm,name=$r" -o name | grep -q . && fail "$c: release Secrets left"
done

# library charts are not installable; a Route is not served
out=$(helm install lib "$CHARTS/library-chart" 2>&1) && fail "library chart installed"
grep -q 'library charts are not installable' <<<"$out" || fail "library chart error: $out"
out=$(helm install os "$CHARTS/jupyter-python" --set route.enabled=true --set route.hostname=a.example.test 2>&1) &&
	fail "an OpenShift Route installed"
grep -qF 'no matches for kind "Route" in version "route.openshift.io/v1"' <<<"$out" || fail "route error: $out"
[ -z "$(kubectl get all -l app.kubernetes.io/instance=os -o name)" ] || fail "objects left by the failed install"

# helm --wait (the watcher: a streaming list per kind, which needs the
# initial-events-end bookmark) on a chart whose objects are ready at once
kubectl create namespace waitns >/dev/null
mkdir -p "$T/c/templates"
printf 'apiVersion: v2\nname: cfg\nversion: 0.1.0\n' >"$T/c/Chart.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  a: "1"\n' >"$T/c/templates/cm.yaml"
out=$(helm install cfg "$T/c" -n waitns --wait --timeout 20s 2>&1) || fail "helm --wait: $out"
grep -q '^STATUS: deployed$' <<<"$out" || fail "helm --wait status: $out"
ok "7 charts: install, list, status, values, upgrade, rollback, history, uninstall; library and Route errors; --wait"
