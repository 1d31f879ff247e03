#!/usr/bin/env bash
# t_services_detail.sh: one service opened: the overview masks the
# password of the chart's NOTES until v reveals it, and copies it with
# OSC 52 (into a tmux buffer); the logs follow new lines written in the
# pod, pause, resume at the end, and save to a file; the events and
# YAML tabs show the service's objects; the commands tab copies a line.
. "$(dirname "$0")/lib.sh"
sb_start
ns=$(sb_ns)
repo=$(sb_server)/charts
export HELM_CONFIG_HOME=$T/helm HELM_CACHE_HOME=$T/helm
helm install nb1 jupyter-demo --repo "$repo" -n "$ns" --set security.password=s3cr3t-pw \
	--set ingress.hostname=nb1.lab.test >/dev/null 2>"$T/helm.err" || fail "helm install nb1: $(cat "$T/helm.err")"
say() { kubectl -n "$ns" exec nb1-0 -- sh -c "echo $1 > \"\$DATALAB_MAIN_STDOUT\""; }

dl_start
tmux -L "$SOCK" set -g set-clipboard on
wait_for "nb1" 15 || fail "nb1 not listed"
WAIT=20 wait_cmd sh -c "tmux -L $SOCK capture-pane -p -t dl | grep -E '^nb1 ' | grep -q running" || fail "nb1 not running"
keys Enter
wait_for "Overview" || fail "Enter did not open the service"
wait_for "Password: ••••••••" || fail "the password is not masked"
pane | grep -q "s3cr3t-pw" && fail "the password is on the screen"
wait_for "https://nb1.lab.test" || fail "no URL in the overview"
keys v
wait_for "Password: s3cr3t-pw" || fail "v did not reveal the password"
keys v
wait_gone "s3cr3t-pw" || fail "v did not hide it again"
keys Y
wait_for "secret copied to the clipboard" || fail "no copy toast"
WAIT=5 wait_cmd sh -c "tmux -L $SOCK show-buffer | grep -qx s3cr3t-pw" || fail "OSC 52 did not reach tmux: $(tmux -L "$SOCK" show-buffer 2>&1)"

# Logs: follow, pause, resume, save
keys Tab Tab Tab
wait_for "Jupyter Server" 15 || fail "no startup lines in the logs"
say hello-follow-1
wait_for "hello-follow-1" 15 || fail "a new line did not arrive"
# more lines than the pane holds, so a paused view has nowhere to grow
kubectl -n "$ns" exec nb1-0 -- sh -c 'i=0; while [ $i -lt 60 ]; do echo filler-$i; i=$((i+1)); done > "$DATALAB_MAIN_STDOUT"'
wait_for "filler-59" 15 || fail "the filler lines did not arrive"
keys f
wait_for "PAUSED" || fail "f did not pause"
say hello-follow-2
wait_for "(1 new)" 15 || fail "the paused view does not count new lines"
pane | grep -q "hello-follow-2" && fail "a paused view moved"
keys G
wait_for "hello-follow-2" || fail "G did not go to the end"
wait_gone "PAUSED" || fail "G did not resume following"
keys / f o l l o w - 1 Enter
wait_for "/follow-1" 2 || true
keys s
wait_for "Save the log" || fail "no save dialog"
keys C-u
keys -l "$T/saved.log"
keys Enter
wait_for "saved" || fail "no saved toast"
grep -q "hello-follow-2" "$T/saved.log" || fail "the saved file lacks the last line"
[ "$(stat -c %a "$T/saved.log")" = 600 ] || fail "the saved file is not 0600"

# Events and YAML tabs, then the commands tab copies a line
keys BTab
wait_for "Scheduled" 10 || fail "no events for the pod"
keys Tab Tab
wait_for "# statefulsets/nb1" || fail "no StatefulSet in the YAML tab"
keys Tab
wait_for "helm status nb1 -n $ns" || fail "no helm status line"
wait_for "kubectl get pods -l app.kubernetes.io/instance=nb1 -n $ns" || fail "no kubectl get pods line"
wait_for "kubectl exec -it nb1-0 -n $ns -- sh" || fail "no exec line"
keys y
WAIT=5 wait_cmd sh -c "tmux -L $SOCK show-buffer | grep -qx 'helm status nb1 -n $ns'" || fail "the command was not copied"
keys Escape
wait_for "My services" || fail "Esc did not go back"
# t: a terminal in the service's pod
keys t
wait_for "1 nb1-0" 15 || fail "t did not open a terminal in nb1-0"
keys 'echo hi-$((6*7))' Enter
wait_for "hi-42" 15 || fail "no output from the service's shell"
ok "masked and revealed password, OSC 52, logs follow/pause/end/save, events, YAML, commands, terminal"
