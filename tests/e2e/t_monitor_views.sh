#!/usr/bin/env bash
# t_monitor_views.sh: the admin views against the sandbox: :pods with
# why a pod waits and every namespace on `a`, :nodes with requests, GPUs
# used of total with the model, their utilisation and who holds them, :events newest first
# with warnings only on `w`; and a hostile Event (escape sequences in its
# reason, message and object, created with kubectl) drawn inert: nothing
# cleared the screen, set the clipboard or the title.
. "$(dirname "$0")/lib.sh"
sb_start
ns=$(sb_ns)
repo=$(sb_server)/charts
export HELM_CONFIG_HOME=$T/helm HELM_CACHE_HOME=$T/helm
helm install g1 gpu-demo --repo "$repo" -n default >/dev/null 2>"$T/helm.err" || fail "helm install g1: $(cat "$T/helm.err")"
helm install g8 gpu-demo --repo "$repo" -n default --set-string 'resources.limits.nvidia\.com/gpu=8' \
	>/dev/null 2>"$T/helm.err" || fail "helm install g8: $(cat "$T/helm.err")"
helm install nb1 jupyter-demo --repo "$repo" -n "$ns" >/dev/null 2>"$T/helm.err" || fail "helm install nb1"
WAIT=20 wait_cmd sh -c 'kubectl -n default get pods -l app.kubernetes.io/instance=g1 --no-headers | grep -q Running' ||
	fail "g1 not running"
g1=$(kubectl -n default get pods -l app.kubernetes.io/instance=g1 -o jsonpath='{.items[0].metadata.name}')
node=$(kubectl -n default get pod "$g1" -o jsonpath='{.spec.nodeName}')
model=$(kubectl get node "$node" -o jsonpath='{.metadata.labels.nvidia\.com/gpu\.product}')
cat >"$T/evil.json" <<'JSON'
{"apiVersion":"v1","kind":"Event","metadata":{"name":"evil.1"},"type":"Warning",
 "reason":"Evil\u001b[2J\u001b]0;pwned\u0007","message":"boom \u001b]52;c;aGFja2Vk\u0007 cleared\u001b[2J\u001b[H \u009b31m done",
 "involvedObject":{"kind":"Pod","name":"evil\u001b[31mname","namespace":"default"}}
JSON
kubectl create -f "$T/evil.json" -n default >/dev/null || fail "create the hostile event"

dl_start -n default
tmux -L "$SOCK" set -g set-clipboard on
title0=$(tmux -L "$SOCK" display -p -t dl '#{pane_title}')
wait_for "My services" || fail "no first screen"
# My services: g1's GPU and how busy it is (the GPU column: "1 63%")
WAIT=20 wait_cmd sh -c "tmux -L '$SOCK' capture-pane -p -t dl | grep -E '^g1 ' | grep -qE ' 1 [0-9]+%( |$)'" ||
	fail "no GPU utilisation for g1 in My services: $(pane | grep -E '^g1 ')"
keys : p o d s Enter
wait_for "Pods" || fail ":pods did not open"
wait_for "$g1" 15 || fail "g1's pod not listed"
wait_for "Pending" 15 || fail "no pending pod"
keys j
wait_for "Insufficient nvidia.com/gpu" 20 || fail "no reason for the pending pod"
pane | grep -q "nb1-0" && fail "another namespace's pod shown"
keys a
wait_for "nb1-0" 15 || fail "a did not show every namespace"
wait_for "a this namespace" || fail "the scope is not said"

keys : n o d e s Enter
wait_for "CPU REQUESTED" || fail ":nodes did not open"
wait_for "sandbox-gpu-" 15 || fail "no GPU node"
pane | grep -E "^$node " | grep -q "1/" || fail "$node does not count g1's GPU: $(pane | grep -E "^$node ")"
[ -z "$model" ] || pane | grep -E "^$node " | grep -qF "$model" || fail "no GPU model for $node"
# select the node: its GPU users show below, by namespace
for _ in 1 2 3 4 5 6; do
	pane | grep -q "GPUs of $node" && break
	keys j
	sleep 0.2
done
wait_for "GPUs of $node" || fail "the selected node's GPUs are not shown"
# GPU utilisation from the sandbox's DCGM page: the user's, and the node's
wait_for "default:  $g1 (1, " 20 || fail "g1 not among the GPU users with its utilisation"
pane | grep -F "default:  $g1 (1, " | grep -qE "\(1, [0-9]+% busy\)" || fail "g1's GPU utilisation: $(pane | grep -F "$g1")"
pane | grep -E "^$node " | grep -qE " [0-9]+% *$" || fail "no GPU USE for $node: $(pane | grep -E "^$node ")"

keys : e v e n t s Enter
wait_for "LAST SEEN" || fail ":events did not open"
wait_for "FailedScheduling" 15 || fail "no FailedScheduling event"
wait_for "Scheduled" || fail "no Normal events"
keys w
wait_for "warnings only" || fail "w did not keep warnings"
wait_gone "Scheduled" || fail "w left Normal events"
# the hostile event: its text is there, its escapes are not
wait_for "boom" || fail "the hostile event is not listed"
pane | grep -q "Pod/evilname" || fail "the hostile object is not drawn sanitized: $(pane | grep boom)"
pane | grep -q "datalab │ Events" || fail "the title bar was cleared"
pane | grep -q "LAST SEEN" || fail "the header was cleared"
pane -e 2>/dev/null | grep -q $'\e\\]52' && fail "an OSC 52 reached the pane"
tmux -L "$SOCK" show-buffer 2>/dev/null | grep -q hacked && fail "the hostile event set the clipboard"
[ "$(tmux -L "$SOCK" display -p -t dl '#{pane_title}')" = "$title0" ] || fail "the hostile event set the title"
keys q
wait_for "[exited 0]" || fail "q did not quit"
ok "pods with reasons and scopes, nodes with GPU users, events with warnings, hostile event inert"
