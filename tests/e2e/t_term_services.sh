#!/usr/bin/env bash
# `t` on a service (a real helm release of the demo jupyter chart in the
# sandbox) opens a terminal in its running pod: the tab is named after the
# pod, the shell answers, exit and x close it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/clients_lib.sh"

sb_start --no-s3 --no-fsync
if [ -z "$(kc get nodes --no-headers 2>/dev/null)" ]; then
	echo "ok   $TEST_NAME: SKIPPED: this sandbox runs no pods (no nodes)"; exit 0
fi
helm install jp "$ROOT/catalogs/charts/jupyter-demo" -n user-alice >/dev/null 2>"$T/helm.err" ||
	fail "helm install: $(cat "$T/helm.err")"
WAIT=60 wait_cmd sh -c "$ROOT/.tools/bin/kubectl get pods -n user-alice -l app.kubernetes.io/instance=jp \
	-o jsonpath='{.items[*].status.phase}' | grep -q Running" || fail "the release's pod does not run"
pod=$(kc get pods -n user-alice -l app.kubernetes.io/instance=jp -o jsonpath='{.items[0].metadata.name}')

dl_start
wait_for "? help" || fail "console did not start"
keys ':services' Enter
wait_for "jp" 20 || fail "no service jp"
keys '/' 'jp' Enter
keys t
wait_for "1 $pod" 10 || fail "t on the service did not open a terminal in $pod"
keys 'echo in-$((40+2)) $HOSTNAME' Enter
wait_for "in-42" 10 || fail "no answer from the service's pod"
keys 'exit 0' Enter
wait_for "exited with code 0" || fail "exit not shown"
keys x
wait_for "No terminals open" || fail "x did not close the ended tab"
ok "t on a helm release opens a shell in its running pod"
