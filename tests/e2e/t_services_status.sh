#!/usr/bin/env bash
# t_services_status.sh: "My services" against the sandbox with releases
# installed by the real helm from the sandbox's chart repository: a
# running notebook with its URL, a GPU service Pending with the
# scheduler's reason, the incremental filter, and the quota of the user
# namespace in the title bar after :ns.
. "$(dirname "$0")/lib.sh"
sb_start
repo=$(sb_server)/charts
export HELM_CONFIG_HOME=$T/helm HELM_CACHE_HOME=$T/helm
helm install nb1 jupyter-demo --repo "$repo" -n default --set global.suspend=false \
	--set ingress.hostname=nb1.lab.test >/dev/null 2>"$T/helm.err" || fail "helm install nb1: $(cat "$T/helm.err")"
helm install gpu8 gpu-demo --repo "$repo" -n default --set-string 'resources.limits.nvidia\.com/gpu=8' \
	>/dev/null 2>"$T/helm.err" || fail "helm install gpu8: $(cat "$T/helm.err")"

dl_start -n default
wait_for "My services" || fail "no services view"
wait_for "ns default" || fail "namespace not in the title"
wait_for "nb1" 15 || fail "nb1 not listed"
wait_for "jupyter-demo 0.1.0" || fail "chart and version not shown"
wait_for "https://nb1.lab.test" 15 || fail "the ingress URL is not shown"
wait_for "running" 20 || fail "nb1 never running"
# gpu8 sorts first, so it is selected: the last row spells its reason out
wait_for "gpu8: pending: 0/5 nodes are available: 2 Insufficient nvidia.com/gpu" 20 ||
	fail "the pending reason is not shown"
pane | grep -E '^gpu8 ' | grep -q "pending" || fail "gpu8's row does not say pending"
pane | grep -E '^nb1 ' | grep -q "1/1" || fail "nb1's row does not say 1/1"

# the filter narrows as it is typed, highlights, and Esc clears it
keys / n b
wait_gone "gpu8" || fail "the filter did not hide gpu8"
wait_for "/nb" || fail "the filter is not shown"
pane | grep -qE '^nb1 ' || fail "the filter hid nb1"
keys Enter
keys Escape
wait_for "gpu8" || fail "Esc did not clear the filter"
keys / z z z
wait_for "no match for 'zzz'" || fail "no empty-filter message"
keys Escape Escape
wait_for "gpu8" || fail "Esc in the prompt did not restore the list"

# the user namespace: its quota in the title bar
keys : n s Space u s e r Tab
wait_for ":ns user-alice" || fail "namespace completion: $(pane | tail -1)"
keys Enter
wait_for "ns user-alice" || fail "the namespace switch did not happen"
wait_for "gpu 0/2" 15 || fail "the quota is not in the title bar"
wait_for "no services in 'user-alice' yet" 10 || fail "no empty state for user-alice"
keys q
wait_for "[exited 0]" || fail "q did not quit"
ok "running with URL, pending with the scheduler's reason, filter, :ns with the quota"
