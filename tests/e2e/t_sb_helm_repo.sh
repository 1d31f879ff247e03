#!/usr/bin/env bash
# The sandbox serves the project's demo charts as a Helm repository at
# <API>/charts/, without a token, over TLS with its own CA: helm repo add,
# search, install from the repo and with --repo, all through kubectl and
# helm trusting the sandbox's CA from the kubeconfig and tls/ca.crt.
. "$(dirname "$0")/lib.sh"

sb_start --no-s3 --tls
API=$(sed -n 's/^api=//p' "$T/sb/ready")
CA=$T/sb/tls/ca.crt
case $API in https://127.0.0.1:*) ;; *) fail "not an https URL: $API" ;; esac
grep -q 'certificate-authority-data:' "$KUBECONFIG" || fail "no CA in the kubeconfig"
[ "$(kubectl config view -o jsonpath='{.clusters[0].name}')" = datalab-sandbox ] || fail "cluster name"
[ "$(kubectl config view --minify -o jsonpath='{..namespace}')" = user-alice ] || fail "context namespace"

# the repository is public; its index points at itself
idx=$(curl -sf --cacert "$CA" "$API/charts/index.yaml") || fail "index.yaml not served"
grep -q "$API/charts/jupyter-demo-" <<<"$idx" || fail "index URLs: $idx"
curl -sf --cacert "$CA" -o /dev/null "$API/charts/../token" && fail "a path outside the repository was served"
[ "$(curl -s --cacert "$CA" -o /dev/null -w '%{http_code}' "$API/charts/nope.tgz")" = 404 ] || fail "missing chart"

helm repo add demo "$API/charts" --ca-file "$CA" | grep -q '"demo" has been added' || fail "repo add"
out=$(helm search repo demo)
for c in jupyter-demo postgres-demo gpu-demo job-demo; do
	grep -qE "^demo/$c[[:space:]]" <<<"$out" || fail "search: $c missing: $out"
done
out=$(helm install jd demo/jupyter-demo 2>&1) || fail "install from the repo: $out"
grep -q '^STATUS: deployed$' <<<"$out" || fail "install status: $out"
kubectl get statefulset -l app.kubernetes.io/instance=jd -o name | grep -q . || fail "no StatefulSet from jupyter-demo"
[ "$(helm list -o json | jq -r '.[0].chart')" = jupyter-demo-0.1.0 ] || fail "helm list chart"

# --repo without repo add: GET index.yaml then the archive
out=$(helm install pg postgres-demo --repo "$API/charts" --ca-file "$CA" 2>&1) || fail "install --repo: $out"
helm list -o json | jq -e 'map(.name) | index("pg")' >/dev/null || fail "pg not listed"
helm uninstall jd pg >/dev/null || fail "uninstall"
[ "$(helm list -o json | jq length)" = 0 ] || fail "releases left"
ok "TLS with the sandbox CA; /charts/ repo add, search, install, --repo"
