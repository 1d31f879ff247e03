#!/usr/bin/env bash
# t_services_all_ns.sh: `a` in "My services" lists the releases of every
# namespace with a NAMESPACE column ("all namespaces" in the title bar),
# and a delete acts on the release in its own namespace: helm uninstall
# -n THAT, checked with the real helm list -A.  `a` again is back to the
# current namespace.
. "$(dirname "$0")/lib.sh"
sb_start
ns=$(sb_ns)
repo=$(sb_server)/charts
export HELM_CONFIG_HOME=$T/helm HELM_CACHE_HOME=$T/helm
helm install mine jupyter-demo --repo "$repo" -n "$ns" >/dev/null 2>"$T/helm.err" ||
	fail "helm install mine: $(cat "$T/helm.err")"
helm install theirs jupyter-demo --repo "$repo" -n projet-demo --create-namespace >/dev/null 2>"$T/helm.err" ||
	fail "helm install theirs: $(cat "$T/helm.err")"

dl_start
wait_for "mine" 15 || fail "mine not listed"
pane | grep -q "theirs" && fail "theirs listed before a"
keys a
wait_for "NAMESPACE" 10 || fail "no NAMESPACE column"
wait_for "all namespaces" 10 || fail "the title bar does not say all namespaces"
WAIT=15 wait_cmd sh -c "tmux -L $SOCK capture-pane -p -t dl | grep -E '^projet-demo +theirs '" ||
	{ pane; fail "theirs not listed with its namespace"; }
pane | grep -qE "^$ns +mine " || { pane; fail "mine not listed with its namespace"; }

# rows sort by namespace: projet-demo/theirs first, selected: delete it
keys g
keys d
wait_for "Delete theirs?" || fail "no confirmation"
wait_for "helm uninstall theirs -n projet-demo" || fail "the confirmation does not name the namespace"
keys D
WAIT=30 wait_cmd sh -c "! helm list -A -q | grep -qx theirs" || fail "theirs still installed: $(helm list -A)"
helm list -A -q | grep -qx mine || fail "mine was deleted too"
WAIT=20 wait_cmd sh -c "! tmux -L $SOCK capture-pane -p -t dl | grep -qE '^projet-demo +theirs '" ||
	{ pane; fail "theirs still listed"; }
grep -qF "running: helm uninstall theirs -n projet-demo" "$DATALAB_HOME/state/datalab.log" ||
	fail "helm did not run with -n projet-demo"

# back to the current namespace
keys a
wait_gone "NAMESPACE" 10 || fail "the NAMESPACE column stays"
wait_for "mine" 10 || fail "mine not listed after a"

# :ns NAME while all namespaces are shown leaves that mode, as k9s does
helm install again jupyter-demo --repo "$repo" -n projet-demo >/dev/null 2>"$T/helm.err" ||
	fail "helm install again: $(cat "$T/helm.err")"
keys a
wait_for "NAMESPACE" 10 || fail "no NAMESPACE column the second time"
keys : "ns projet-demo" Enter
wait_gone "NAMESPACE" 10 || fail ":ns did not leave all namespaces"
wait_for "ns projet-demo" 10 || fail "the title bar does not name projet-demo"
wait_for "again" 15 || fail "projet-demo's release not listed"
pane | grep -q " mine " && { pane; fail "mine (user namespace) still listed after :ns projet-demo"; }
ok "a lists every namespace with its column; delete runs helm uninstall -n THAT; :ns leaves it"
