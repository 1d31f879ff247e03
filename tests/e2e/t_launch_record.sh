#!/usr/bin/env bash
# t_launch_record.sh: a console launch records what Onyxia records.  After
# helm, the Secret sh.onyxia.release.v1.R (type onyxia.sh/release.v1) holds
# the catalog, the owner, the friendly name and share=false, owned by helm's
# sh.helm.release.v1.R.v1; the launch shows its kubectl line.  With it, My
# services shows the friendly name of the launcher link, pauses jupyter-demo
# the helm way (global.suspend=true, 0 replicas) and resumes it, and the
# delete leaves no record behind (the owner's garbage collection); a launch
# from the form records the friendly name typed there (N), and a saved
# launch launched again the name it was saved under.
. "$(dirname "$0")/lib.sh"

sb_start
if [ ! -f "$T/sb/kubeconfig" ]; then
	echo "skip $TEST_NAME: this datalab-sandbox serves no Kubernetes API yet"
	exit 0
fi
NS=$(sb_ns)
NS=${NS:-default}
export USER=alice HELM_CONFIG_HOME=$T/helm HELM_CACHE_HOME=$T/helm
# wide enough for "My notebook (jupyter-demo-NNNNNN)" in the NAME column
COLS=200

release_of() { helm list -n "$NS" -o json 2>/dev/null | grep -o "\"$1-[0-9]*\"" | head -1 | tr -d '"'; }
# field R KEY: a data field of R's record, decoded
field() { kubectl -n "$NS" get secret "sh.onyxia.release.v1.$1" -o "jsonpath={.data.$2}" | base64 -d; }
replicas() { kubectl -n "$NS" get sts "$1" -o jsonpath='{.spec.replicas}'; }
suspended() { helm get values "$1" -n "$NS" -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["global"]["suspend"])'; }
# (wait_cmd retries a command: these are read again at each try)
has_release() { [ -n "$(release_of "$1")" ]; }
replicas_are() { [ "$(replicas "$1")" = "$2" ]; }
field_is() { [ "$(field "$1" "$2")" = "$3" ]; }
row_has() { tmux -L "$SOCK" capture-pane -p -t dl | grep -F -- "$1" | grep -qF -- "$2"; }

# 1. a launcher link with a friendly name, launched at once
dl_start launch "/launcher/demo/jupyter-demo?autoLaunch=true&name=My%20notebook"
WAIT=60 wait_cmd has_release jupyter-demo || fail "jupyter-demo not launched from the link"
REL=$(release_of jupyter-demo)
WAIT=20 wait_cmd kubectl -n "$NS" get secret "sh.onyxia.release.v1.$REL" || fail "no release record for $REL"
[ "$(kubectl -n "$NS" get secret "sh.onyxia.release.v1.$REL" -o jsonpath='{.type}')" = onyxia.sh/release.v1 ] ||
	fail "the record's type is not onyxia.sh/release.v1"
[ "$(field "$REL" friendlyName)" = "My notebook" ] || fail "friendlyName is '$(field "$REL" friendlyName)'"
[ "$(field "$REL" catalog)" = demo ] || fail "catalog is '$(field "$REL" catalog)'"
[ "$(field "$REL" owner)" = alice ] || fail "owner is '$(field "$REL" owner)'"
[ "$(field "$REL" share)" = false ] || fail "share is '$(field "$REL" share)'"
owner=$(kubectl -n "$NS" get secret "sh.onyxia.release.v1.$REL" -o jsonpath='{.metadata.ownerReferences[0].name}/{.metadata.ownerReferences[0].uid}/{.metadata.ownerReferences[0].controller}')
want=$(kubectl -n "$NS" get secret "sh.helm.release.v1.$REL.v1" -o jsonpath='{.metadata.name}/{.metadata.uid}')/true
[ "$owner" = "$want" ] || fail "the record is owned by '$owner', not '$want'"
# the friendly name is what My services shows
wait_for "My services" 20 || fail "not switched to My services"
wait_for "My notebook ($REL)" 20 || fail "My services does not show the link's friendly name"
# the launch's commands name the record, as Onyxia shows its commands
keys ':launch' Enter
wait_for "kubectl create secret generic sh.onyxia.release.v1.$REL" || fail "the record's command is not shown"
wait_for "release record written" || fail "the write is not reported"
keys ':services' Enter
wait_for "My notebook ($REL)" || fail "My services not back"
WAIT=30 wait_cmd row_has "$REL" running || fail "$REL not running: $(pane | grep -F "$REL")"

# 2. pause the helm way: the record's catalog serves the chart again
keys p
WAIT=10 wait_cmd grep -qF "toast: pausing $REL: helm upgrade --history-max 0 $REL jupyter-demo --repo" \
	"$DATALAB_HOME/state/datalab.log" || fail "the pause is not a helm upgrade: $(grep -F pausing "$DATALAB_HOME/state/datalab.log")"
WAIT=30 wait_cmd sh -c "helm get values $REL -n $NS -o json | grep -q '\"suspend\":true'" ||
	fail "global.suspend not true: $(helm get values "$REL" -n "$NS" -o json)"
WAIT=15 wait_cmd replicas_are "$REL" 0 || fail "the StatefulSet is not at 0 replicas"
WAIT=20 wait_cmd row_has "$REL" paused || fail "$REL not shown paused"
keys p
WAIT=30 wait_cmd replicas_are "$REL" 1 || fail "not resumed to 1 replica"
[ "$(suspended "$REL")" = False ] || fail "global.suspend not false after resume"
WAIT=30 wait_cmd row_has "$REL" running || fail "$REL not shown running again"
[ "$(field "$REL" friendlyName)" = "My notebook" ] || fail "pause and resume lost the record"

# 3. the delete takes the record with it (ownerReference -> garbage collection)
keys d
wait_for "Delete My notebook?" || fail "no confirmation"
wait_for "helm uninstall $REL -n $NS" || fail "the confirmation does not name the command"
keys D
WAIT=30 wait_cmd sh -c "! helm status $REL -n $NS >/dev/null 2>&1" || fail "$REL still installed"
WAIT=20 wait_cmd sh -c "! kubectl -n $NS get secret sh.onyxia.release.v1.$REL" || fail "the record outlived its release"
wait_gone "My notebook" 20 || fail "still listed after the delete"

# 4. from the form: the friendly name typed with N
keys ':catalog' Enter
wait_for "job-demo" 15 || fail "demo catalog not listed"
keys / j o b Enter
wait_for "1 match" || fail "search"
keys Enter
wait_for "job-demo 0.1.0" || fail "job-demo form did not open"
keys N
wait_for "Friendly name:" || fail "no friendly name prompt"
keys C-u
keys -l "nightly run"
keys Enter
wait_for '"nightly run"' || fail "the form does not show the friendly name"
keys l
WAIT=60 wait_cmd has_release job-demo || fail "job-demo not launched from the form"
JOB=$(release_of job-demo)
WAIT=20 wait_cmd field_is "$JOB" friendlyName "nightly run" || fail "the form's friendly name is not recorded"
[ "$(field "$JOB" catalog)" = demo ] || fail "the form's launch lost its catalog"
wait_for "nightly run ($JOB)" 20 || fail "My services does not show the form's friendly name"

# 5. a saved launch (both launches above were saved under their friendly
# names) launched again from :saved records its name too
keys ':saved' Enter
wait_for "nightly run" || fail ":saved lacks the form's launch"
keys l
WAIT=60 wait_cmd sh -c "[ \$(helm list -n $NS -q | grep -vxc $JOB) -ge 1 ]" || fail "nothing launched from :saved"
NEW=$(helm list -n "$NS" -q | grep -vx "$JOB" | head -1)
case $NEW in
jupyter-demo-*) want="My notebook" ;;
job-demo-*) want="nightly run" ;;
*) fail "unexpected release '$NEW'" ;;
esac
WAIT=20 wait_cmd field_is "$NEW" friendlyName "$want" || fail "the saved launch's friendly name is not recorded for $NEW"
keys q
wait_for "[exited 0]" 15 || fail "did not quit"
ok "link, form and saved launches record friendly name, catalog, owner, share, owned by helm's Secret; helm pause/resume; delete drops the record"
