#!/usr/bin/env bash
# t_sb_sim_attach.sh: containers' main processes and real usage, with the
# real kubectl: kubectl run -it --rm reaches a real shell as the main
# process (its output also in kubectl logs), its exit code comes back and
# the pod goes; kubectl attach -it joins a tty container's main (resize
# included); kubectl attach to a simulated main streams what is written
# to its stdout; kubectl top moves when a user's shell burns CPU and
# holds memory.
. "$(dirname "$0")/lib.sh"
sb_start --no-s3
k() { kubectl -n default "$@"; }
tm() { tmux -L "$SOCK" -f /dev/null "$@"; }

# run -it --rm: the main is a real sh on a pty
tm new-session -d -s dl -x 100 -y 30 \
	"kubectl -n default run -it --rm --restart=Never shell --image=busybox -- sh; echo \"[exited \$?]\"; sleep 60"
wait_for "If you don't see a command prompt" 60 || fail "kubectl run did not attach"
keys 'echo $((6*7))x' Enter
wait_for "42x" 20 || fail "typed command output"
k logs shell | grep -q '^42x' || fail "the main's output is not in kubectl logs: $(k logs shell)"
[ "$(k get pod shell -o jsonpath='{.spec.containers[0].tty} {.spec.containers[0].stdinOnce}')" = "true true" ] ||
	fail "pod spec"
keys 'exit 3' Enter
wait_for "[exited 3]" 60 || fail "exit code through kubectl run"
pane | grep -q 'pod "shell" deleted' || fail "--rm did not delete"
k get pod shell 2>&1 | grep -q 'not found' || fail "shell still there"
tm kill-server

# attach -it to a tty pod made without attaching
k run -it --attach=false --restart=Never tty1 --image=busybox -- sh >/dev/null || fail "run --attach=false"
k wait --for=condition=Ready pod/tty1 --timeout=60s >/dev/null || fail "tty1 not Ready"
tm new-session -d -s dl -x 100 -y 30 "kubectl -n default attach -it tty1; echo \"[detached \$?]\"; sleep 60"
wait_for "If you don't see a command prompt" 30 || fail "attach -it"
keys 'stty size' Enter
wait_for "30 100" 20 || fail "attach: initial size"
tm resize-window -t dl -x 120 -y 40
keys 'stty size' Enter
wait_for "40 120" 20 || fail "attach: resize"
keys 'exit' Enter
wait_for "[detached" 30 || fail "attach did not end with the main"
WAIT=30 wait_cmd sh -c "kubectl -n default get pod tty1 -o jsonpath='{.status.phase}' | grep -qx Succeeded" ||
	fail "tty1 after its main exited 0: $(k get pod tty1)"
tm kill-server

# attach to a simulated main: what reaches its stdout
k run web --image=nginx >/dev/null && k wait --for=condition=Ready pod/web --timeout=60s >/dev/null || fail "web"
kubectl -n default attach web >"$T/attach" 2>&1 &
att=$!
# what is written once the attach is up reaches it: write until it shows
seen() {
	kubectl -n default exec web -- sh -c 'echo attach-sees-this > "$DATALAB_MAIN_STDOUT"' &&
		grep -q attach-sees-this "$T/attach"
}
WAIT=60 wait_cmd seen || { kill $att; fail "attach output: $(cat "$T/attach")"; }
kill $att 2>/dev/null; wait $att 2>/dev/null

# kubectl top: a busy loop and 300 MiB in the container show
cpu() { k top pod web --no-headers | awk '{print $2 + 0}'; }	# millicores
mem() { k top pod web --no-headers | awk '{print $3 + 0}'; }	# Mi
WAIT=30 wait_cmd k top pod web || fail "top: $(k top pod web 2>&1)"
c0=$(cpu) m0=$(mem)
kubectl -n default exec web -- sh -c 'timeout 60 sh -c "while :; do :; done"' >/dev/null 2>&1 &
busy=$!
kubectl -n default exec web -- python3 -c 'import time; b = b"x" * (300 << 20); time.sleep(60)' >/dev/null 2>&1 &
hog=$!
WAIT=40 wait_cmd sh -c "[ \$(kubectl -n default top pod web --no-headers | awk '{print \$2 + 0}') -ge $((c0 + 50)) ]" ||
	{ kill $busy $hog; fail "CPU did not move: $c0 m, now $(cpu) m"; }
WAIT=40 wait_cmd sh -c "[ \$(kubectl -n default top pod web --no-headers | awk '{print \$3 + 0}') -ge $((m0 + 250)) ]" ||
	{ kill $busy $hog; fail "memory did not move: $m0 Mi, now $(mem) Mi"; }
k top node "$(k get pod web -o jsonpath='{.spec.nodeName}')" >/dev/null || fail "top node"
kill $busy $hog 2>/dev/null; wait $busy $hog 2>/dev/null
ok "run -it --rm with exit code and logs, attach -it with resize, attach to a simulated main, top with real processes"
