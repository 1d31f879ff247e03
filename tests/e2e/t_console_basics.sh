#!/usr/bin/env bash
# The console starts, draws its first screen, shows help on ?, survives a
# resize to 20x5 and back, and quits on q restoring the terminal.
. "$(dirname "$0")/lib.sh"

dl_start --context e2e -n user-test
wait_for "datalab" || fail "no title bar"
wait_for "ns user-test" || fail "namespace not in the title bar"
wait_for "? help" || fail "no key hints"
keys '?'
wait_for "Everywhere" || fail "help did not open"
keys x
wait_gone "Everywhere" || fail "help did not close"

tmux -L "$SOCK" resize-window -t dl -x 20 -y 5
wait_for "too small" || fail "no too-small notice at 20x5"
tmux -L "$SOCK" resize-window -t dl -x 120 -y 40
wait_for "ns user-test" || fail "did not recover after the resize"
wait_gone "too small" || fail "too-small notice stayed"

keys ':'
keys 'nonexistent' Enter
wait_for "no view named 'nonexistent'" || fail "unknown : command not reported"

keys q
wait_for "[exited 0]" || fail "q did not quit cleanly"
# the alternate screen is gone: the title bar is not left on the terminal
pane | grep -qF "ns user-test" && fail "terminal not restored after quit"
ok "start, help, 20x5 resize, :command errors, quit"
