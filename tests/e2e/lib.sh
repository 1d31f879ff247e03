# lib.sh: shared by the end-to-end tests (sourced, bash).
#
# Each test gets a private folder ($T), a private tmux socket, and, when it
# asks, a fresh sandbox on ephemeral loopback ports.  Waits poll with a
# deadline (never bare sleeps); a failed wait prints the pane or the log.
#
#   sb_start [ARGS]     start bin/datalab-sandbox --dir $T/sb --port 0 --s3-port 0 ARGS;
#                       exports KUBECONFIG and the S3 variables of $T/sb/s3.env
#   sb_stop             SIGTERM it and wait
#   dl_start [ARGS]     run bin/datalab ARGS in tmux (120x40) as window "dl"
#   wait_for TEXT [S]   poll the pane for TEXT (fixed string), S seconds (10)
#   wait_gone TEXT [S]  poll until TEXT is no longer on the pane
#   keys KEY...         tmux send-keys to the console
#   pane                print the pane
#   ok / fail MSG       report and exit
#   kubectl / helm      the project's real binaries from .tools/bin
#   sb_install NAME CHART [ARGS]  helm install of the sandbox's CHART in its namespace
#   sb_running POD      wait (20 s) for POD in that namespace to run
#   demo_repo           the project's demo charts as a Helm repository in $T/srv/charts
#   http_serve DIR      a static HTTP server for DIR; sets PORT (http_stop ends it)

set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PATH=$ROOT/.tools/bin:$ROOT/bin:$PATH
TEST_NAME=$(basename "$0" .sh)
T=$(mktemp -d "${TMPDIR:-/tmp}/dl-e2e.XXXXXX")
SOCK=dl-e2e-$$
SB_PID=
HTTP_PID=
export DATALAB_HOME=$T/home
export HOME=$T/home
mkdir -p "$HOME"

cleanup() {
	tmux -L "$SOCK" kill-server 2>/dev/null
	sb_stop
	http_stop
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

fail() {
	echo "FAIL $TEST_NAME: $*"
	[ -f "$T/sb.log" ] && { echo "--- sandbox log (tail)"; tail -20 "$T/sb.log"; }
	exit 1
}
ok() { echo "ok   $TEST_NAME${1:+: $1}"; exit 0; }

sb_start() {
	mkdir -p "$T/sb"
	"$ROOT/bin/datalab-sandbox" --dir "$T/sb" --port 0 --s3-port 0 "$@" >"$T/sb.log" 2>&1 &
	SB_PID=$!
	# 30 s: a first start seeds the S3 sample data (2,000 objects), which
	# a loaded CI machine may stretch; the start time itself is a bench figure
	local end=$(($(date +%s) + 30))
	until [ -f "$T/sb/ready" ]; do
		kill -0 "$SB_PID" 2>/dev/null || { cat "$T/sb.log"; fail "sandbox exited at start"; }
		[ "$(date +%s)" -lt "$end" ] || fail "sandbox not ready in 30 s"
		sleep 0.05
	done
	export KUBECONFIG=$T/sb/kubeconfig
	# shellcheck disable=SC1091
	[ -f "$T/sb/s3.env" ] && . "$T/sb/s3.env"
	return 0
}

sb_stop() {
	[ -n "$SB_PID" ] || return 0
	kill -TERM "$SB_PID" 2>/dev/null
	wait "$SB_PID" 2>/dev/null
	SB_PID=
}

dl_start() {
	local cmd
	cmd=$(printf '%q ' "$ROOT/bin/datalab" "$@")
	tmux -L "$SOCK" -f /dev/null new-session -d -s dl -x "${COLS:-120}" -y "${ROWS:-40}" \
		"env TERM=${DL_TERM:-xterm-256color} $cmd; echo \"[exited \$?]\"; sleep 30"
}

pane() { tmux -L "$SOCK" capture-pane -p -t dl "$@"; }
keys() { tmux -L "$SOCK" send-keys -t dl "$@"; }

wait_for() {
	local end=$(($(date +%s) + ${2:-10}))
	until pane | grep -qF -- "$1"; do
		if [ "$(date +%s)" -ge "$end" ]; then
			echo "--- pane while waiting for '$1':"; pane; return 1
		fi
		sleep 0.05
	done
}

# wait_form TEXT [SECONDS]: TEXT on screen and the launch form itself open.
# The header shows "CHART VERSION" while the chart is still being fetched;
# keys sent then are not the form's, so wait for its "· release NAME" too.
wait_form() {
	wait_for "$1" "${2:-20}" && wait_for "  ·  release " "${2:-20}"
}

wait_gone() {
	local end=$(($(date +%s) + ${2:-10}))
	while pane | grep -qF -- "$1"; do
		if [ "$(date +%s)" -ge "$end" ]; then
			echo "--- pane while waiting for '$1' to go:"; pane; return 1
		fi
		sleep 0.05
	done
}

# wait_cmd CMD...: retries a command until it succeeds (10 s).
wait_cmd() {
	local end=$(($(date +%s) + ${WAIT:-10}))
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# dl_pid: the console's pid (a child of the pane's shell).
dl_pid() {
	local sh
	sh=$(tmux -L "$SOCK" list-panes -t dl -F '#{pane_pid}' | head -n 1)
	pgrep -P "$sh" -x datalab | head -n 1
}

# sb_server: the sandbox API server's URL (its /charts/ is a Helm repository).
sb_server() { kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}'; }
# sb_ns: the namespace of the sandbox kubeconfig's context (user-alice).
sb_ns() { kubectl config view --minify -o jsonpath='{.contexts[0].context.namespace}'; }

# sb_install NAME CHART [ARGS]: `helm install NAME CHART ARGS` from the
# sandbox's repository into sb_ns, helm's own state under $T/helm.
sb_install() {
	local name=$1 chart=$2
	shift 2
	export HELM_CONFIG_HOME=$T/helm HELM_CACHE_HOME=$T/helm
	helm install "$name" "$chart" --repo "$(sb_server)/charts" -n "$(sb_ns)" "$@" >/dev/null 2>"$T/helm.err" ||
		fail "helm install $name: $(cat "$T/helm.err")"
}

# sb_running POD: waits (20 s) until POD in sb_ns is Running.
sb_running() {
	WAIT=20 wait_cmd sh -c "kubectl -n '$(sb_ns)' get pod '$1' --no-headers | grep -q Running" || fail "$1 not running"
}

# demo_repo: helm package + helm repo index (relative urls) of the
# project's demo charts in $T/srv/charts, as the sandbox serves them.
demo_repo() {
	local c
	mkdir -p "$T/srv/charts"
	for c in "$ROOT"/catalogs/charts/*/; do
		helm package -d "$T/srv/charts" "$c" >/dev/null || fail "helm package $c"
	done
	helm repo index "$T/srv/charts" || fail "helm repo index"
}

# http_serve DIR: serves DIR over HTTP on an ephemeral loopback port (log
# in $T/http.log); sets PORT once it listens.
http_serve() {
	python3 - "$1" "$T/port" >"$T/http.log" 2>&1 <<'PY' &
import functools, http.server, sys
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), h)
open(sys.argv[2] + ".tmp", "w").write(str(s.server_address[1]))
__import__("os").rename(sys.argv[2] + ".tmp", sys.argv[2])
s.serve_forever()
PY
	HTTP_PID=$!
	WAIT=10 wait_cmd test -s "$T/port" || fail "no HTTP server"
	PORT=$(cat "$T/port")
}

# http_stop: the HTTP server gone (the repository unreachable from now on).
http_stop() {
	[ -n "$HTTP_PID" ] || return 0
	kill "$HTTP_PID" 2>/dev/null
	wait "$HTTP_PID" 2>/dev/null
	HTTP_PID=
}
