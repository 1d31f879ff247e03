#!/usr/bin/env bash
# b_term.sh: the embedded terminal's speed, with plain tmux as the peer:
#   - throughput: `cat` of a SIZE_MB file (base64 text lines) in a shell in
#     datalab's terminals view (libvterm + curses, inside tmux) and in a
#     plain tmux pane, timed by the shell itself (cat ends when the
#     terminal has taken every byte);
#   - what datalab spent meanwhile: frames of the terminal drawn, rows
#     painted, bytes written to its own terminal, write calls;
#   - keystroke echo latency: a key sent to the pane until the shell's
#     echo shows on it (median of N), datalab's shell and tmux's shell.
# Both run in tmux 120x40 on the same machine in the same run.
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
run_cat() {	# run_cat TARGET: prints the milliseconds the shell measured
	tm send-keys -t "$1" "clear; s=\$(date +%s%N); cat $T/big.txt; e=\$(date +%s%N); clear; echo \"ELAPSED\$(( (e - s) / 1000000 ))ms\"" Enter
	wait_re "$1" "ELAPSED[0-9]+ms" 600 || return 1
	pane "$1" | sed -n 's/.*ELAPSED\([0-9]*\)ms.*/\1/p' | head -1
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

# quit datalab, then read what the terminal spent
tm send-keys -t dl C-] q
wait_for dl "quit anyway?" 10 >/dev/null && tm send-keys -t dl y
end=$(($(date +%s) + 10))
while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$end" ]; do sleep 0.05; done
line=$(grep -F "terminal 'local bash' closed" "$DATALAB_LOG_FILE" | tail -1)
draws=$(sed -n 's/.* \([0-9]*\) draws.*/\1/p' <<<"$line")
rows=$(sed -n 's/.* \([0-9]*\) rows drawn.*/\1/p' <<<"$line")
fed=$(sed -n 's/.*: \([0-9]*\) bytes in.*/\1/p' <<<"$line")
echo "terminal frames drawn over the whole run: ${draws:-?} ($rows rows painted, $fed bytes through the emulator)"
