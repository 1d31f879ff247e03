#!/usr/bin/env bash
# t_services_actions.sh: what the keys of "My services" do to the cluster,
# checked with the real helm and kubectl: pause and resume as Onyxia does
# (helm upgrade --reuse-values --set global.suspend when the values have
# it and the catalog serves the chart; else a scale to 0 and back), the
# rename (Onyxia's friendly-name Secret), and the delete (helm uninstall
# after a confirmation naming what goes).
. "$(dirname "$0")/lib.sh"
sb_start
ns=$(sb_ns)
repo=$(sb_server)/charts
export HELM_CONFIG_HOME=$T/helm HELM_CACHE_HOME=$T/helm
helm install nb1 jupyter-demo --repo "$repo" -n "$ns" --set global.suspend=false >/dev/null 2>"$T/helm.err" ||
	fail "helm install nb1: $(cat "$T/helm.err")"
helm install plain jupyter-demo --repo "$repo" -n "$ns" >/dev/null 2>"$T/helm.err" ||
	fail "helm install plain: $(cat "$T/helm.err")"
# as Onyxia's API records a launch: the catalog the chart came from
kubectl -n "$ns" create secret generic sh.onyxia.release.v1.nb1 --type=onyxia.sh/release.v1 \
	--from-literal=catalog=demo --from-literal=owner=alice >/dev/null || fail "onyxia secret"
replicas() { kubectl -n "$ns" get sts "$1" -o jsonpath='{.spec.replicas}'; }
suspend() { helm get values "$1" -n "$ns" -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["global"]["suspend"])'; }

dl_start
wait_for "nb1" 15 || fail "nb1 not listed"
wait_for "plain" 15 || fail "plain not listed"
WAIT=20 wait_cmd sh -c "pane() { tmux -L $SOCK capture-pane -p -t dl; }; [ \$(pane | grep -cE '^(nb1|plain) .* running ') = 2 ]" ||
	fail "not both running: $(pane | head -5)"

# nb1 (first row): pause through helm, as Onyxia does
keys p
WAIT=5 wait_cmd grep -qF "toast: pausing nb1: helm upgrade --history-max 0 nb1 jupyter-demo --repo $repo" \
	"$DATALAB_HOME/state/datalab.log" || fail "the pause command is not shown"
WAIT=30 wait_cmd sh -c "[ \"\$(helm get values nb1 -n $ns -o json | grep -o '\"suspend\":true')\" ]" ||
	fail "helm values not suspended: $(helm get values nb1 -n "$ns" -o json)"
WAIT=15 wait_cmd sh -c "[ \"\$(kubectl -n $ns get sts nb1 -o jsonpath='{.spec.replicas}')\" = 0 ]" || fail "nb1 not at 0 replicas"
wait_for "paused nb1" 20 || fail "no end-of-pause toast"
WAIT=15 wait_cmd sh -c "tmux -L $SOCK capture-pane -p -t dl | grep -E '^nb1 ' | grep -q paused" || fail "nb1 not shown paused"
[ "$(helm history nb1 -n "$ns" -o json | grep -o '"revision":' | wc -l)" -ge 2 ] || fail "no new revision"
keys p
WAIT=30 wait_cmd sh -c "[ \"\$(kubectl -n $ns get sts nb1 -o jsonpath='{.spec.replicas}')\" = 1 ]" || fail "nb1 not resumed"
[ "$(suspend nb1)" = False ] || fail "global.suspend not false after resume"
WAIT=20 wait_cmd sh -c "tmux -L $SOCK capture-pane -p -t dl | grep -E '^nb1 ' | grep -q running" || fail "nb1 not shown running"

# plain: its values lack global.suspend: scaled to 0 and back
keys j
keys p
# the toast goes as soon as the scale is done: read it from the log
WAIT=5 wait_cmd grep -qF "toast: pausing plain: kubectl scale statefulsets/plain --replicas=0 -n $ns" "$DATALAB_HOME/state/datalab.log" ||
	fail "the scale command is not shown"
WAIT=15 wait_cmd sh -c "[ \"\$(kubectl -n $ns get sts plain -o jsonpath='{.spec.replicas}')\" = 0 ]" || fail "plain not at 0"
kubectl -n "$ns" get sts plain -o jsonpath='{.metadata.annotations.datalab\.io/paused-replicas}' | grep -qx 1 ||
	fail "the replicas to give back are not kept"
WAIT=15 wait_cmd sh -c "tmux -L $SOCK capture-pane -p -t dl | grep -E '^plain ' | grep -q paused" || fail "plain not shown paused"
keys p
WAIT=15 wait_cmd sh -c "[ \"\$(kubectl -n $ns get sts plain -o jsonpath='{.spec.replicas}')\" = 1 ]" || fail "plain not back to 1"

# rename nb1: Onyxia's friendlyName
keys k e
wait_for "Name: nb1" || fail "no rename dialog"
keys C-u
keys -l "My notebook"
keys Enter
WAIT=15 wait_cmd sh -c "[ \"\$(kubectl -n $ns get secret sh.onyxia.release.v1.nb1 -o jsonpath='{.data.friendlyName}' | base64 -d)\" = 'My notebook' ]" ||
	fail "friendlyName not written"
kubectl -n "$ns" get secret sh.onyxia.release.v1.nb1 -o jsonpath='{.data.catalog}' | base64 -d | grep -qx demo ||
	fail "the rename lost the catalog"
wait_for "My notebook (nb1)" 20 || fail "the friendly name is not shown"

# delete plain: the confirmation names the command, then helm uninstalls
keys j d
wait_for "Delete plain?" || fail "no confirmation"
wait_for "helm uninstall plain -n $ns" || fail "the confirmation does not name the command"
keys Escape
wait_gone "Delete plain?" || fail "Esc did not cancel"
helm status plain -n "$ns" >/dev/null 2>&1 || fail "cancel deleted anyway"
keys d
wait_for "Delete plain?" || fail "no confirmation the second time"
keys D
WAIT=30 wait_cmd sh -c "! helm status plain -n $ns >/dev/null 2>&1" || fail "plain still installed"
wait_for "deleted plain" 20 || fail "no end-of-delete toast"
wait_gone "plain " 20 || fail "plain still listed"
helm status nb1 -n "$ns" >/dev/null 2>&1 || fail "nb1 went too"
keys q
wait_for "[exited 0]" || fail "q did not quit"
ok "pause/resume via helm and via scale, rename, delete with confirmation"
