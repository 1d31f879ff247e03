#!/usr/bin/env bash
# b_term.sh: the embedded terminal's speed, with plain tmux as the peer:
#   - the emulator alone (bench/term_bench.c): the file below, and lines
#     of 'y', fed and drawn with no tty in the way;
#   - throughput: `cat` of a SIZE_MB file (base64 text lines) in a shell in
#     datalab's terminals view (libvterm + curses, inside tmux) and in a
#     plain tmux pane, from the command sent until the line after it shows
#     (polled every 50 ms);
#   - what datalab spent meanwhile: frames of the terminal drawn, rows
#     painted, bytes written to its own terminal, write calls;
#   - keystroke echo latency: a key sent to the pane until the shell's
#     echo shows on it (median of N), datalab's shell and tmux's shell;
#   - the same cat and echo through a pod's exec WebSocket (the sandbox's
#     pod shell) in datalab's terminal and in `kubectl exec -it` in tmux.
# All run in tmux 120x40 on the same machine in the same run.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZE_MB=${SIZE_MB:-50}
N=${N:-20}
T=$(mktemp -d "${TMPDIR:-/tmp}/dl-bench-term.XXXXXX")
SOCK=dl-bench-term-$$
export HOME=$T/home DATALAB_HOME=$T/home DATALAB_LOG_FILE=$T/datalab.log SHELL=/bin/bash
mkdir -p "$HOME"
printf "PS1='b\$ '\nunset HISTFILE\n" >"$HOME/.bashrc"
trap 'tmux -L "$SOCK" kill-server 2>/dev/null; rm -rf "$T"' EXIT
trap 'exit 1' TERM INT

tm() { tmux -L "$SOCK" "$@"; }
pane() { tm capture-pane -p -t "$1"; }
wait_for() {	# wait_for TARGET TEXT [SECONDS]
	local end=$(($(date +%s) + ${3:-30}))
	until pane "$1" | grep -qF -- "$2"; do
		[ "$(date +%s)" -lt "$end" ] || { echo "   timeout waiting for '$2' in $1" >&2; pane "$1" >&2; return 1; }
		sleep 0.02
	done
}
wait_re() {	# wait_re TARGET REGEX [SECONDS]
	local end=$(($(date +%s) + ${3:-30}))
	until pane "$1" | grep -qE -- "$2"; do
		[ "$(date +%s)" -lt "$end" ] || { echo "   timeout waiting for /$2/ in $1" >&2; return 1; }
		sleep 0.05
	done
}
now_ms() { date +%s%3N; }

base64 -w 76 </dev/urandom | head -c $((SIZE_MB * 1024 * 1024)) >"$T/big.txt"

# --- the emulator alone on the same file, and on the worst case for a
# terminal, a line per 2 bytes (`yes`): no tty, no tmux, no loop ---
PKGS="ncursesw libcurl libcjson yaml-0.1 vterm expat libarchive libcrypto"
[ -f "$ROOT/build/libdatalab.a" ] || make -C "$ROOT" -s -j2 build/libdatalab.a || exit 1
# shellcheck disable=SC2046
cc -std=c11 -O2 -D_GNU_SOURCE -I"$ROOT/include" $(pkg-config --cflags $PKGS) "$ROOT/bench/term_bench.c" \
	"$ROOT/build/libdatalab.a" $(pkg-config --libs $PKGS) -lm -o "$T/term_bench" || exit 1
"$T/term_bench" "$T/big.txt"
yes | head -c $((SIZE_MB * 1024 * 1024 / 10)) | sed 's/$/\r/' >"$T/y.txt"
echo "$("$T/term_bench" "$T/y.txt") [lines of 'y']"

# the sandbox with a pod to exec into, when it runs pods
SB_PID= EXEC=
if [ -x "$ROOT/bin/datalab-sandbox" ]; then
	"$ROOT/bin/datalab-sandbox" --dir "$T/sb" --port 0 --s3-port 0 >"$T/sb.log" 2>&1 &
	SB_PID=$!
	trap 'tmux -L "$SOCK" kill-server 2>/dev/null; kill "$SB_PID" 2>/dev/null; wait "$SB_PID" 2>/dev/null; rm -rf "$T"' EXIT
	end=$(($(date +%s) + 30))
	until [ -f "$T/sb/ready" ] || [ "$(date +%s)" -ge "$end" ]; do sleep 0.1; done
	export KUBECONFIG=$T/sb/kubeconfig
	KC="$ROOT/.tools/bin/kubectl"
	if [ -n "$("$KC" get nodes --no-headers 2>/dev/null)" ]; then
		"$KC" apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata: {name: bench}
spec:
  containers:
  - name: main
    image: busybox
    resources:
      requests: {cpu: 100m, memory: 64Mi}
      limits: {cpu: 200m, memory: 128Mi}
YAML
		end=$(($(date +%s) + 30))
		until "$KC" get pod bench -o jsonpath='{.status.phase}' 2>/dev/null | grep -qx Running; do
			[ "$(date +%s)" -lt "$end" ] || break
			sleep 0.2
		done
		"$KC" get pod bench -o jsonpath='{.status.phase}' 2>/dev/null | grep -qx Running && EXEC=1
	fi
fi

tm -f /dev/null new-session -d -s dl -x 120 -y 40 "env TERM=xterm-256color $ROOT/bin/datalab"
tm new-session -d -s peer -x 120 -y 40 "env TERM=xterm-256color bash"
wait_for dl "? help" || exit 1
tm send-keys -t dl ':terminals' Enter
wait_for dl "No terminals open" || exit 1
tm send-keys -t dl c
wait_for dl 'b$' || exit 1
wait_for peer 'b$' || exit 1
pid=$(pgrep -P "$(tm list-panes -t dl -F '#{pane_pid}')" -x datalab | head -1)
[ -n "$pid" ] || pid=$(tm list-panes -t dl -F '#{pane_pid}')

# --- throughput ---
run_cat() {	# run_cat TARGET: ms from the command sent until its end marker
	# shows on the pane, after every byte was drawn (the shell's own
	# timing would stop when the bytes were handed to a socket)
	local t0
	tm send-keys -t "$1" "clear" Enter
	sleep 0.3
	t0=$(now_ms)
	tm send-keys -t "$1" "cat $T/big.txt; echo; echo \"END\$((6*7))\"" Enter
	wait_re "$1" "^END42" 900 || return 1
	echo $(($(now_ms) - t0))
}
io() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/io"; }
w0=$(io "$pid" wchar); c0=$(io "$pid" syscw)
dl_ms=$(run_cat dl) || exit 1
w1=$(io "$pid" wchar); c1=$(io "$pid" syscw)
peer_ms=$(run_cat peer) || exit 1
mbs() { awk -v mb="$SIZE_MB" -v ms="$1" 'BEGIN { printf "%.1f", (ms > 0 ? mb * 1000 / ms : 0) }'; }
echo "cat ${SIZE_MB} MB, datalab terminal: $(mbs "$dl_ms") MB/s ($dl_ms ms)  [plain tmux: $(mbs "$peer_ms") MB/s ($peer_ms ms)]"
echo "bytes datalab wrote during the cat: $((w1 - w0)) bytes in $((c1 - c0)) write calls"

# --- keystroke echo latency ---
echo_latency() {	# echo_latency TARGET: median ms from send-keys to the echo
	local samples=() t0 t1 k letters=abcdefghijklmnopqrstuvwxyz end
	tm send-keys -t "$1" 'clear' Enter
	wait_re "$1" '^b\$ ?$' 10 || return 1
	for i in $(seq 1 "$N"); do
		k=${letters:$((i % 26)):1}
		t0=$(now_ms)
		end=$((t0 + 5000))
		tm send-keys -t "$1" -l "$k$k$k"
		until pane "$1" | grep -q "^b\$ $k$k$k"; do
			[ "$(now_ms)" -lt "$end" ] || { echo "   no echo of '$k' in $1" >&2; return 1; }
		done
		t1=$(now_ms)
		samples+=($((t1 - t0)))
		tm send-keys -t "$1" C-u
		wait_re "$1" '^b\$ ?$' 10 || return 1
	done
	printf '%s\n' "${samples[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
tm send-keys -t dl 'clear' Enter
dl_lat=$(echo_latency dl)
peer_lat=$(echo_latency peer)
echo "keystroke echo (median of $N, polled): datalab terminal: ${dl_lat} ms  [plain tmux: ${peer_lat} ms]"

# --- through the exec WebSocket: datalab's terminal and kubectl exec -it ---
if [ -n "$EXEC" ]; then
	tm new-session -d -s kpeer -x 120 -y 40 "env TERM=xterm-256color $KC exec -it bench -- bash"
	tm send-keys -t dl C-] Escape
	tm send-keys -t dl ':pods' Enter
	wait_for dl "bench" || exit 1
	tm send-keys -t dl t
	wait_for dl "2 bench" || exit 1
	for p in dl kpeer; do
		tm send-keys -t "$p" "PS1='b\$ '" Enter
		wait_re "$p" '^b\$ ?$' 20 || exit 1
	done
	dl_ms=$(run_cat dl) || exit 1
	peer_ms=$(run_cat kpeer) || exit 1
	echo "cat ${SIZE_MB} MB over exec, datalab terminal: $(mbs "$dl_ms") MB/s ($dl_ms ms)  [kubectl exec -it in tmux: $(mbs "$peer_ms") MB/s ($peer_ms ms)]"
	dl_lat=$(echo_latency dl)
	peer_lat=$(echo_latency kpeer)
	echo "keystroke echo over exec (median of $N, polled): datalab terminal: ${dl_lat} ms  [kubectl exec -it: ${peer_lat} ms]"
else
	echo "(no sandbox pod to exec into: exec figures skipped)"
fi

# quit datalab, then read what the terminal spent
tm send-keys -t dl C-] q
wait_for dl "quit anyway?" 10 >/dev/null && tm send-keys -t dl y
end=$(($(date +%s) + 10))
while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$end" ]; do sleep 0.05; done
for label in "local bash" bench; do
	line=$(grep -F "terminal '$label' closed" "$DATALAB_LOG_FILE" | tail -1)
	[ -n "$line" ] || continue
	draws=$(sed -n 's/.* \([0-9]*\) draws.*/\1/p' <<<"$line")
	rows=$(sed -n 's/.* \([0-9]*\) rows drawn.*/\1/p' <<<"$line")
	fed=$(sed -n 's/.*: \([0-9]*\) bytes in.*/\1/p' <<<"$line")
	echo "terminal '$label': frames drawn over the whole run: ${draws:-?} ($rows rows painted, $fed bytes through the emulator)"
done
