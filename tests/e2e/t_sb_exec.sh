#!/usr/bin/env bash
# t_sb_exec.sh: logs and exec with the real kubectl: logs with options and
# -f streaming what an exec'd process writes to the main process's stdout;
# exec exit codes; a missing pod; 10 MiB of stdin through exec -i (also
# to a slow reader, memory bounded) and 1 MiB through attach; kubectl
# exec -it driven in tmux (type, see the output, resize, exit code); 200
# sessions opened and dropped leave no process and no descriptor behind.
. "$(dirname "$0")/lib.sh"
sb_start --no-s3
k() { kubectl -n default "$@"; }
k run nb --image=inseefrlab/onyxia-jupyter-python:py3.12 --restart=Never >/dev/null || fail "run nb"
WAIT=60 wait_cmd sh -c 'kubectl -n default get pod nb --no-headers | grep -q Running' || fail "nb not Running"

# logs: options
k logs nb | head -1 | grep -qx "Entered start.sh with args: jupyter lab" || fail "first log line"
[ "$(k logs nb --tail=2 | wc -l)" = 2 ] || fail "--tail=2"
k logs nb --tail=1 --timestamps | grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z \[I ' || fail "--timestamps"
k logs nb -c nope 2>&1 | grep -q "container nope is not valid for pod nb" || fail "bad container"
# -f streams: what an exec'd process writes to $DATALAB_MAIN_STDOUT arrives
k logs -f nb >"$T/follow" 2>&1 &
follow=$!
WAIT=60 wait_cmd grep -q "Jupyter Server" "$T/follow" || fail "follow: startup lines"
k exec nb -- sh -c 'echo hello-from-exec > "$DATALAB_MAIN_STDOUT"' || fail "exec echo"
WAIT=60 wait_cmd grep -qx hello-from-exec "$T/follow" || fail "follow: $(tail -3 "$T/follow")"
kill "$follow"; wait "$follow" 2>/dev/null

# exec: exit codes and a missing pod
k exec nb -- sh -c 'exit 3' 2>"$T/err"; rc=$?
[ $rc = 3 ] || fail "exit 3 gave $rc"
grep -q "command terminated with exit code 3" "$T/err" || fail "exit message: $(cat "$T/err")"
[ "$(k exec nb -- sh -c 'echo $HOSTNAME:$HOME' )" = "nb:$T/sb/pods/default/nb/nb" ] || fail "env and folder"
k exec ghost -- true 2>&1 | grep -q 'pods "ghost" not found' || fail "missing pod"

# exec -i: 10 MiB of stdin through cat unchanged and counted whole (it
# was cut at 64 KiB, a pipe's worth, when kubectl's close of stdin came
# before the child had read the rest)
head -c 10485760 /dev/urandom >"$T/in.bin"
sum=$(sha256sum <"$T/in.bin")
[ "$(k exec -i nb -- cat <"$T/in.bin" | sha256sum)" = "$sum" ] || fail "10 MiB through cat changed"
n=$(k exec -i nb -- sh -c 'cat | wc -c' <"$T/in.bin") || fail "exec -i wc -c"
[ "$n" -eq 10485760 ] || fail "wc -c counted $n of 10485760 bytes"
# a reader slower than kubectl: nothing lost, and the queue stays bounded
# (the socket is not read meanwhile): the peak RSS, reset first, grows
# by less than the 10 MiB sent
rss0=$(awk '/^VmRSS/ {print $2}' /proc/"$SB_PID"/status)
echo 5 >/proc/"$SB_PID"/clear_refs
n=$(k exec -i nb -- sh -c 'sleep 1; cat | wc -c' <"$T/in.bin") || fail "exec -i slow wc -c"
[ "$n" -eq 10485760 ] || fail "slow reader: wc -c counted $n of 10485760 bytes"
hwm=$(awk '/^VmHWM/ {print $2}' /proc/"$SB_PID"/status)
[ "$hwm" -lt "$((rss0 + 6144))" ] || fail "the sandbox grew from $rss0 to $hwm kB for a slow reader"
# attach: 1 MiB to a main that reads stdin (stdinOnce: kubectl's end of
# stdin is the main's), counted whole in its log
k apply -f - >/dev/null <<'EOF' || fail "apply att"
apiVersion: v1
kind: Pod
metadata: {name: att}
spec:
  restartPolicy: Never
  containers:
  - {name: att, image: busybox, command: [sh, -c, "wc -c"], stdin: true, stdinOnce: true}
EOF
WAIT=60 wait_cmd sh -c 'kubectl -n default get pod att --no-headers | grep -q Running' || fail "att not Running"
head -c 1048576 "$T/in.bin" | timeout 30 kubectl -n default attach -i att >/dev/null 2>&1
WAIT=30 wait_cmd sh -c 'kubectl -n default logs att | grep -qx 1048576' || fail "attach: $(k logs att | tail -2)"

# exec -it in tmux
tmux -L "$SOCK" -f /dev/null new-session -d -s dl -x 100 -y 30 \
	"kubectl -n default exec -it nb -- sh; echo \"[exited \$?]\"; sleep 30"
keys 'echo $((6*7))x' Enter
wait_for "42x" 30 || fail "typed command output"
keys 'stty size' Enter
wait_for "30 100" 30 || fail "initial size"
tmux -L "$SOCK" resize-window -t dl -x 120 -y 40
keys 'stty size' Enter
wait_for "40 120" 30 || fail "resize"
keys 'exit 7' Enter
wait_for "[exited 7]" 30 || fail "exit code through the tty"

# 200 sessions dropped by their clients
base=$(ls "/proc/$SB_PID/fd" | wc -l)
for batch in $(seq 8); do
	pids=()
	for i in $(seq 25); do
		kubectl -n default exec nb -- sleep 300 >/dev/null 2>&1 &	# not k: $! must be kubectl
		pids+=($!)
	done
	WAIT=60 wait_cmd sh -c "[ \$(pgrep -P $SB_PID -c) -ge 25 ]" || fail "batch $batch: $(pgrep -P "$SB_PID" -c) sessions"
	kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null
	WAIT=60 wait_cmd sh -c "! pgrep -P $SB_PID >/dev/null" || fail "batch $batch: children left: $(pgrep -P "$SB_PID" -l | head -3)"
done
grep -q "^State:.*Z" /proc/"$SB_PID"/task/*/status 2>/dev/null && fail "zombie"
now=$(ls "/proc/$SB_PID/fd" | wc -l)
[ "$now" -le "$((base + 2))" ] || fail "descriptors: $base before, $now after"
ok "logs options and -f, exit codes, 404, 10 MiB through exec -i, 1 MiB attach, -it with resize, 200 dropped sessions"
