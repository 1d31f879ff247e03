#!/usr/bin/env bash
# t_shell_keys.sh: the shell around the views, with live data: `:` with
# Tab completion, number and function keys, `?` showing the current
# view's keys, Esc back from a service, mouse clicks selecting a row and
# a tab, 20x5 showing "too small" and recovering, and the same screen
# under TERM=screen, tmux-256color and linux (8 colours).
. "$(dirname "$0")/lib.sh"
sb_start
ns=$(sb_ns)
repo=$(sb_server)/charts
export HELM_CONFIG_HOME=$T/helm HELM_CACHE_HOME=$T/helm
for r in alpha beta; do
	helm install "$r" jupyter-demo --repo "$repo" -n "$ns" >/dev/null 2>"$T/helm.err" || fail "helm install $r"
done

dl_start
wait_for "alpha" 15 || fail "alpha not listed"
wait_for "beta" 15 || fail "beta not listed"
# completion: a unique prefix completes, Tab twice lists
keys : n o Tab
wait_for ":nodes" || fail ":no did not complete to :nodes"
keys Escape
keys 2
wait_for "│ Pods │" || fail "2 did not show the second view"
keys F4
wait_for "│ Events │" || fail "F4 did not show the fourth view"
keys 1
wait_for "│ My services │" || fail "1 did not come back"
keys '?'
wait_for "delete the service (helm uninstall" || fail "? does not show the view's keys"
wait_for "Everywhere" || fail "? does not show the global keys"
wait_for ":ns" || fail "? does not list the commands"
keys x
wait_gone "Everywhere" || fail "help did not close"

# mouse: SGR reports as xterm sends them (1-based column;row): a click on
# the second data row (screen row 4) selects beta; a double click opens it
keys -l $'\e[<0;3;4M\e[<0;3;4m'
wait_for "beta: " || fail "a click did not select beta: $(pane | tail -2)"
keys Enter
wait_for "Overview" || fail "Enter did not open beta"
pane | sed -n 2p | grep -q "^beta" || fail "the wrong service opened"
# a click on the "Pods" tab (screen row 3)
keys -l $'\e[<0;14;3M\e[<0;14;3m'
wait_for "RESTARTS" || fail "a click on the tab did not open Pods"
keys Escape
wait_for "│ My services │" || fail "Esc did not go back"

tmux -L "$SOCK" resize-window -t dl -x 20 -y 5
wait_for "too small" || fail "no too-small notice at 20x5"
tmux -L "$SOCK" resize-window -t dl -x 120 -y 40
wait_for "alpha" || fail "the list did not come back after the resize"
wait_gone "too small" || fail "the notice stayed"
keys q
wait_for "[exited 0]" || fail "q did not quit"

for term in screen tmux-256color linux; do
	tmux -L "$SOCK" kill-session -t dl 2>/dev/null
	DL_TERM=$term dl_start
	wait_for "│ My services │" || fail "TERM=$term: no title"
	wait_for "alpha" 15 || fail "TERM=$term: no rows"
	keys q
	wait_for "[exited 0]" || fail "TERM=$term: q did not quit"
done
ok ": completion, 1-9 and F-keys, ? per view, clicks on rows and tabs, 20x5, TERM screen/tmux/linux"
