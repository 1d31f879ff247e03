#!/usr/bin/env bash
# A flood in a pod's terminal never freezes the console: `yes | head -c
# 200000000` runs in the sandbox pod's shell over the exec WebSocket; while
# it floods, a console key (Ctrl-] Esc: back to the pods view) answers
# within FLOOD_KEY_S seconds, and Ctrl-C reaches the remote: the prompt is
# back within FLOOD_INT_S seconds and a command typed after it runs.
# Before the transport could be paused, the console read 8 MB per wake-up
# and fed 4 MB backlogs in one go: keys and frames waited seconds.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/clients_lib.sh"

export DATALAB_LOG_FILE=$T/datalab.log
KEY_S=${FLOOD_KEY_S:-3}
INT_S=${FLOOD_INT_S:-5}
now_ms() { date +%s%3N; }
# wait_re REGEX S: poll the pane for a line matching REGEX (extended)
wait_re() {
	local end=$(($(date +%s) + $2))
	until pane | grep -qE -- "$1"; do
		[ "$(date +%s)" -lt "$end" ] || { echo "--- pane while waiting for /$1/:"; pane; return 1; }
		sleep 0.02
	done
}

sb_start --no-s3 --no-fsync
if [ -z "$(kc get nodes --no-headers 2>/dev/null)" ]; then
	echo "ok   $TEST_NAME: SKIPPED: this sandbox runs no pods (no nodes)"; exit 0
fi
mkpod alpha || fail "kubectl apply alpha"
running alpha 30 || fail "alpha does not run"

dl_start
wait_for "? help" || fail "console did not start"
keys ':pods' Enter
wait_for "alpha" || fail "no pods view"
keys t
wait_for "1 alpha" || fail "t did not open a terminal tab"
keys "PS1='fl\$ '" Enter
wait_re '^fl\$ *$' 15 || fail "no shell prompt in the pod"

# the flood: the screen fills with y (the command line is cleared first,
# so the only bare prompt line will be the one after Ctrl-C)
keys 'clear; yes | head -c 200000000' Enter
wait_re '^(y *)$' 15 || fail "the flood does not show"
sleep 1	# let the backlog build up: the point is what it does to keys

# a console key during the flood
t0=$(now_ms)
keys C-] Escape
wait_for "pods in user-alice" "$KEY_S" || fail "Ctrl-] Esc took over $KEY_S s during the flood"
key_ms=$(($(now_ms) - t0))
keys ':terminals' Enter
wait_for "1 alpha" "$KEY_S" || fail ":terminals took over $KEY_S s during the flood"
pane | grep -qE '^(y *)$' || fail "the flood was over before Ctrl-C (the test proves nothing)"

# Ctrl-C reaches the remote: the prompt comes back, the flood is over
t0=$(now_ms)
keys C-c
wait_re '^fl\$ *$' "$INT_S" || fail "no prompt within $INT_S s of Ctrl-C"
int_ms=$(($(now_ms) - t0))
keys 'echo done-$((6*7))' Enter
wait_for "done-42" 5 || fail "no shell after the flood"
pane | grep -qE '^(y *)$' && sleep 0.5 && pane | grep -qE '^(y *)$' &&
	! pane | grep -q "done-42" && fail "the flood went on after Ctrl-C"

keys C-] q
wait_for "quit anyway?" || fail "quit did not ask"
keys y
wait_for "[exited 0]" || fail "did not quit"
stats=$(grep -F "terminal 'alpha" "$DATALAB_LOG_FILE" | grep -o 'longest feed.*' | tail -1)
ws=$(grep -F "websocket to" "$DATALAB_LOG_FILE" | grep -o 'longest wake-up [0-9]* ms' | tail -1)
ok "console key in $key_ms ms, prompt $int_ms ms after Ctrl-C during the flood ($stats; socket $ws)"
