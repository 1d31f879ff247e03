#!/usr/bin/env bash
# t_journey_admin.sh: the admin's day on the default simulated cluster (3
# CPU nodes, 2 GPU nodes with 4 GPUs each).  Users, each in their own
# namespace (datalab-sandbox --class), launch gpu-demo with the real helm
# from the sandbox's chart repository, some asking 2 GPUs, until the 8 GPUs
# are taken; one more waits.  The admin's console: :nodes shows each GPU
# node full and, node by node, which pod of which namespace holds its
# GPUs; :pods (every namespace) and :events say why the last one waits
# (the scheduler's FailedScheduling, "0/5 nodes are available: ...
# Insufficient nvidia.com/gpu"); a user over her own quota is told so in
# My services; the admin deletes one service (with its confirmation) and
# the waiting pod is scheduled on the GPU it freed.
. "$(dirname "$0")/lib.sh"

t0=$(date +%s)
sb_start --class ana,ben,cleo,dan,eva,fay
repo=$(sb_server)/charts
export HELM_CONFIG_HOME=$T/helm HELM_CACHE_HOME=$T/helm

# launch USER GPUS: USER's gpu-demo asking GPUS, as `helm install` from the
# launch form's equivalent command; prints nothing, fails the test on error
launch() {
	helm install "$1-gpu" gpu-demo --repo "$repo" -n "user-$1" \
		--set-string "resources.limits.nvidia\\.com/gpu=$2" >/dev/null 2>"$T/helm.err" ||
		fail "helm install $1-gpu: $(cat "$T/helm.err")"
}
pod_of() { kubectl -n "user-$1" get pods -l "app.kubernetes.io/instance=$1-gpu" -o jsonpath='{.items[0].metadata.name}'; }
phase_of() { kubectl -n "user-$1" get pods -l "app.kubernetes.io/instance=$1-gpu" -o jsonpath='{.items[0].status.phase}'; }
running() { WAIT=${2:-30} wait_cmd sh -c "[ \"\$(kubectl -n user-$1 get pods -l app.kubernetes.io/instance=$1-gpu -o jsonpath='{.items[0].status.phase}')\" = Running ]"; }
# select_node NODE: :nodes filtered down to NODE, whose GPU users then show
# below the table (a filter, not j presses a busy console could overshoot)
select_node() {
	keys / C-u "$1" Enter
	wait_for "GPUs of $1:" 10
}

# the 2-GPU launches first, one by one, so the scheduler packs them whole
declare -A gpus=([ana]=2 [ben]=2 [cleo]=2 [dan]=1 [eva]=1)
for u in ana ben cleo dan eva; do
	launch "$u" "${gpus[$u]}"
	running "$u" || fail "$u's GPU pod does not run: $(kubectl -n "user-$u" get pods 2>&1)"
done
used=$(kubectl get pods -A -o jsonpath='{range .items[*]}{.spec.containers[0].resources.limits.nvidia\.com/gpu}{"\n"}{end}' |
	awk '{s += $1} END {print s}')
[ "$used" = 8 ] || fail "$used GPUs taken, not 8"
# fay comes last: nothing is left
launch fay 1
WAIT=30 wait_cmd sh -c "kubectl -n user-fay get events --field-selector reason=FailedScheduling --no-headers | grep -q ." ||
	fail "fay's pod has no FailedScheduling event"
[ "$(phase_of fay)" = Pending ] || fail "fay's pod is $(phase_of fay), not Pending"
fay=$(pod_of fay)
why=$(kubectl -n user-fay get events --field-selector reason=FailedScheduling -o jsonpath='{.items[0].message}')
case $why in
"0/5 nodes are available: "*"Insufficient nvidia.com/gpu"*) ;;
*) fail "the scheduler says '$why'" ;;
esac
# ana tries a second one: her quota (2 GPUs) refuses its pod
helm install ana-more gpu-demo --repo "$repo" -n user-ana >/dev/null 2>"$T/helm.err" ||
	fail "helm install ana-more: $(cat "$T/helm.err")"

# the admin's console (the sandbox's own kubeconfig, on dan's namespace)
dl_start -n user-dan
wait_for "My services" 15 || fail "the console did not come up"
wait_for "dan-gpu" 15 || fail "dan's service not listed"

# :nodes: both GPU nodes full, and who holds their GPUs
keys ':nodes' Enter
wait_for "CPU REQUESTED" || fail ":nodes did not open"
wait_for "sandbox-gpu-2" 15 || fail "no GPU node listed"
for n in sandbox-gpu-1 sandbox-gpu-2; do
	WAIT=15 wait_cmd sh -c "tmux -L $SOCK capture-pane -p -t dl | grep -E '^$n ' | grep -q ' 4/4 '" ||
		fail "$n does not show its 4 GPUs taken: $(pane | grep -E "^$n ")"
done
declare -A node_of
for u in ana ben cleo dan eva; do node_of[$u]=$(kubectl -n "user-$u" get pod "$(pod_of "$u")" -o jsonpath='{.spec.nodeName}'); done
for n in sandbox-gpu-1 sandbox-gpu-2; do
	select_node "$n" || fail "$n cannot be selected on :nodes"
	wait_for "GPUs of $n: 4 used of 4" || fail "the GPUs of $n are not shown"
	for u in ana ben cleo dan eva; do
		[ "${node_of[$u]}" = "$n" ] || continue
		pane | grep -qE "user-$u:  ([^ ]+ \([0-9][^)]*\)  )*$(pod_of "$u") \(${gpus[$u]}(, [0-9]+% busy)?\)" ||
			fail "$n's GPU users lack user-$u's $(pod_of "$u") (${gpus[$u]}): $(pane | tail -8)"
	done
done

# :pods over every namespace: fay's pod waits, and why
keys ':pods' Enter
wait_for "READY" || fail ":pods did not open"
keys a
wait_for "a this namespace" 10 || fail "a did not show every namespace"
wait_for "$fay" 15 || fail "fay's pod not listed"
keys / "$fay" Enter
wait_for "Insufficient nvidia.com/gpu" 15 || fail "the pods view does not say why $fay waits"
wait_for "0/5 nodes are available" || fail "the scheduler's message is not on screen"
pane | grep -E "^user-fay +$fay" | grep -q Pending || fail "$fay not shown Pending"
keys Escape

# :events: the scheduler's FailedScheduling for it
keys ':events' Enter
wait_for "LAST SEEN" || fail ":events did not open"
keys a
wait_for "FailedScheduling" 15 || fail "no FailedScheduling event"
keys / f a y Enter
wait_for "Pod/$fay" 10 || fail "the event is not about $fay"
wait_for "0/5 nodes are available" || fail "the event's message is not on screen"
keys Escape

# ana's second service: her quota refuses it, and My services says so
keys ':ns user-ana' Enter
wait_for "ns user-ana" || fail ":ns user-ana did not switch"
keys ':services' Enter
wait_for "My services" || fail ":services did not open"
wait_for "ana-more" 15 || fail "ana-more not listed"
keys / a n a - m o r e Enter
WAIT=20 wait_cmd sh -c "tmux -L $SOCK capture-pane -p -t dl | grep -E '^ana-more ' | grep -q pending" ||
	{ pane; fail "ana-more is not pending"; }
wait_for "exceeded quota: onyxia-quota" 15 || fail "the quota refusal is not said"
keys Escape

# the admin frees a GPU: dan's service goes, with a confirmation
keys ':ns user-dan' Enter
wait_for "ns user-dan" || fail ":ns user-dan did not switch"
wait_for "dan-gpu" 15 || fail "dan-gpu not listed"
keys d
wait_for "Delete dan-gpu?" || fail "no confirmation"
wait_for "helm uninstall dan-gpu -n user-dan" || fail "the confirmation does not name the command"
keys D
wait_for "deleted dan-gpu" 30 || fail "no end-of-delete toast"
WAIT=30 wait_cmd sh -c "! helm status dan-gpu -n user-dan >/dev/null 2>&1" || fail "dan-gpu still installed"
running fay 60 || fail "fay's pod was not scheduled once a GPU was free: $(kubectl -n user-fay get pods --no-headers)"
freed=${node_of[dan]}
[ "$(kubectl -n user-fay get pod "$fay" -o jsonpath='{.spec.nodeName}')" = "$freed" ] ||
	fail "fay's pod is not on $freed, whose GPU dan freed"
# and the admin sees it there
keys ':nodes' Enter
wait_for "CPU REQUESTED" || fail ":nodes did not open again"
select_node "$freed" || fail "$freed cannot be selected on :nodes"
wait_for "user-fay:  $fay (1)" 20 || fail "fay's pod is not among $freed's GPU users"
pane | grep -q "user-dan:" && fail "dan still holds a GPU on $freed"
keys q
wait_for "[exited 0]" || fail "q did not quit"
ok "GPUs taken and by whom, why the last waits, a quota refusal said, a delete schedules it ($(($(date +%s) - t0)) s)"
