#!/usr/bin/env bash
# Terminals into the sandbox's pods over the exec WebSocket: `t` on the
# pods view opens a shell in the pod, typed commands and full-screen output
# show, the first size and a console resize reach the remote tty (stty
# size), two pods' shells run side by side, `exit 3` shows "exited with
# code 3", a sandbox that goes away shows "connection lost" and `r`
# reconnects once it is back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/clients_lib.sh"

# pane_row N: line N (0-based) of the pane
pane_row() { pane | sed -n "$(($1 + 1))p"; }
# resize COLS ROWS: resize the console and wait until it redrew at that size
resize() {
	tmux -L "$SOCK" resize-window -t dl -x "$1" -y "$2"
	WAIT=5 wait_cmd sh -c "tmux -L $SOCK capture-pane -p -t dl | sed -n '$2p' | grep -q 'console keys'"
}

sb_start --no-s3 --no-fsync
if [ -z "$(kc get nodes --no-headers 2>/dev/null)" ]; then
	echo "ok   $TEST_NAME: SKIPPED: this sandbox runs no pods (no nodes)"; exit 0
fi
mkpod alpha || fail "kubectl apply alpha"
mkpod beta || fail "kubectl apply beta"
running alpha 30 || fail "alpha does not run"
running beta 30 || fail "beta does not run"

dl_start
wait_for "? help" || fail "console did not start"
keys ':pods' Enter
wait_for "alpha" || fail "no pods view"
wait_for "beta" || fail "beta not listed"
keys '/' 'alpha' Enter
keys t
wait_for "1 alpha" || fail "t did not open a terminal tab"
keys 'echo hello-$((6*7))' Enter
wait_for "hello-42" || fail "no output from the pod's shell"
# the first size went with the upgrade (40 rows minus title, tabs, hints)
keys 'stty size' Enter
wait_for "37 120" || fail "the first size was not sent"

# full-screen output through the WebSocket: cursor addressing lands there
keys "printf '\\033[2J\\033[8;30HM\\101RK\\033[20;1H'; sleep 1" Enter
wait_for "MARK" || fail "cursor-addressed text not shown"
[ "$(pane_row 9 | cut -c30-33)" = "MARK" ] || { pane; fail "MARK not at row 8, column 30"; }

resize 100 30 || fail "console did not redraw at 100x30"
keys 'clear; stty size' Enter
wait_for "27 100" || fail "the resize did not reach the remote tty"
resize 120 40 || fail "console did not redraw at 120x40"

# a second pod's shell beside the first
keys C-] Escape
wait_for "pods in user-alice" || fail "Ctrl-] Esc did not go back to the pods"
keys Escape
wait_for "beta" || fail "Esc did not clear the filter"
keys '/' 'beta' Enter
keys t
wait_for "2 beta" || fail "no second tab"
keys 'echo second-$((2+1)) $(pwd)' Enter
wait_for "second-3" || fail "no output from beta's shell"
keys C-] p
wait_for "27 100" || fail "the first tab does not show alpha's screen"
keys C-] n
wait_for "second-3" || fail "back to beta"

# exit status over channel 3
keys 'exit 3' Enter
wait_for "exited with code 3" || fail "exit code 3 not shown"
wait_for "[exit 3]" || fail "tab does not show the exit"

# the sandbox goes away under alpha's shell: connection lost, then r
keys p
wait_for "1 alpha" || fail "p did not go to alpha"
port=$(sb_port)
sb_stop
wait_for "connection lost" 15 || fail "a dropped connection not shown"
wait_for "[lost]" || fail "tab does not show the loss"
# typing into the lost session does nothing (c would open a shell)
keys 'ls -c' w
wait_for "SESSION" || fail "w did not list the sessions"
pane | grep -q "local" && fail "typing into a lost session ran console keys"
keys Escape
wait_gone "SESSION" || fail "Esc did not close the list"
sb_start --no-s3 --no-fsync --port "$port"
running alpha 30 || fail "alpha does not run after the sandbox restart"
keys r
wait_for "[reconnecting]" || fail "r did not reconnect"
keys 'echo back-$((5+5))' Enter
wait_for "back-10" 15 || fail "no shell after reconnecting"
keys C-] q
wait_for "quit anyway?" || fail "quit did not ask"
keys y
wait_for "[exited 0]" || fail "did not quit"
ok "t on a pod, output, full screen, first size and resize, two pods, exit 3, lost and reconnect"
