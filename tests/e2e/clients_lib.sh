# clients_lib.sh: helpers for the t_clients_* tests (sourced after lib.sh).
#
#   bg NAME CMD...        run CMD in the background, stdout/stderr in
#                         $T/NAME.out / $T/NAME.err, pid in $T/NAME.pid
#   bg_stop NAME          SIGTERM it and wait
#   wait_file TEXT FILE [S]   poll FILE for TEXT (fixed string), S seconds (10)
#   sb_port               the sandbox's API port
#   proxy_start           faultproxy.py in front of the sandbox; exports
#                         PROXY_KUBECONFIG (the sandbox's, pointing at it);
#                         faults are lines appended to $T/faults
#   kc ARGS...            the real kubectl

PROXY_PID=
BG_PIDS=

bg() {
	local name=$1; shift
	"$@" >"$T/$name.out" 2>"$T/$name.err" &
	echo $! >"$T/$name.pid"
	BG_PIDS="$BG_PIDS $!"
}

bg_stop() {
	local pid
	pid=$(cat "$T/$1.pid" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

wait_file() {
	local end=$(($(date +%s) + ${3:-10}))
	until grep -qF -- "$1" "$2" 2>/dev/null; do
		if [ "$(date +%s)" -ge "$end" ]; then
			echo "--- $2 while waiting for '$1':"; cat "$2" 2>/dev/null; return 1
		fi
		sleep 0.02
	done
}

sb_port() { sed -n 's/^api=.*:\([0-9]*\)$/\1/p' "$T/sb/ready"; }
sb_url() { sed -n 's/^api=//p' "$T/sb/ready"; }

proxy_start() {
	: >"$T/faults"
	python3 "$ROOT/tests/e2e/faultproxy.py" "$(sb_url)" "$T/proxy.port" "$T/faults" 2>"$T/proxy.log" &
	PROXY_PID=$!
	local end=$(($(date +%s) + 10))
	until [ -f "$T/proxy.port" ]; do
		[ "$(date +%s)" -lt "$end" ] || fail "fault proxy did not start"
		sleep 0.05
	done
	PROXY_KUBECONFIG=$T/proxy.kubeconfig
	sed "s|server: .*|server: http://127.0.0.1:$(cat "$T/proxy.port")|" "$T/sb/kubeconfig" >"$PROXY_KUBECONFIG"
	export PROXY_KUBECONFIG
}

clients_cleanup() {
	for p in $BG_PIDS; do kill -TERM "$p" 2>/dev/null; done
	[ -n "$PROXY_PID" ] && kill "$PROXY_PID" 2>/dev/null
	cleanup
}
trap clients_cleanup EXIT

kc() { "$ROOT/.tools/bin/kubectl" "$@"; }

# mkpod NAME [IMAGE]: a pod in user-alice with the requests and limits its
# quota wants (kubectl run would be refused)
mkpod() {
	kc apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $1, labels: {app: $1}}
spec:
  containers:
  - name: main
    image: ${2:-busybox}
    resources:
      requests: {cpu: 100m, memory: 64Mi}
      limits: {cpu: 200m, memory: 128Mi}
YAML
}

# running NAME: wait until the pod runs
running() {
	WAIT=${2:-20} wait_cmd sh -c "$ROOT/.tools/bin/kubectl get pod $1 -o jsonpath='{.status.phase}' | grep -qx Running"
}
