#!/usr/bin/env bash
# Two terminals at once: each keeps its own screen, Ctrl-] n/p and
# Ctrl-PgUp/PgDn switch, a title set by the program shows in its tab
# (sanitized, and never reaching the real terminal's title), escape
# sequences meant for the outer terminal stay inside, Shift-PgUp scrolls
# back, the list shows both, and Ctrl-] x closes one after asking.
. "$(dirname "$0")/lib.sh"

export SHELL=/bin/bash
printf "PS1='e2e\$ '\nunset HISTFILE\n" >"$HOME/.bashrc"

dl_start
wait_for "? help" || fail "console did not start"
tmux -L "$SOCK" set-option -t dl -g set-titles off
keys ':terminals' Enter
keys c
wait_for 'e2e$' || fail "no first shell"
keys 'echo first-$((1+1))' Enter
wait_for "first-2" || fail "first shell output"

keys C-] c
wait_for "2 local bash" || fail "no second tab"
wait_gone "first-2" || fail "second tab shows the first one's screen"
keys 'echo second-$((2+1))' Enter
wait_for "second-3" || fail "second shell output"

keys C-] p
wait_for "first-2" || fail "Ctrl-] p did not go back to the first tab"
wait_gone "second-3" || fail "first tab shows the second one's screen"
keys C-] n
wait_for "second-3" || fail "Ctrl-] n did not go to the second tab"
keys C-PageUp
wait_for "first-2" || fail "Ctrl-PgUp did not switch"
keys C-PageDown
wait_for "second-3" || fail "Ctrl-PgDn did not switch"

# a title with a C1 CSI and a bidi override in it; and sequences aimed at
# the outer terminal: its title, its alternate screen, a full reset
keys "printf '\\033]2;my\\302\\233title\\342\\200\\256x\\007'" Enter
wait_for "2 local bash: my" || fail "title not in the tab"
tab=$(pane | sed -n 2p)
case $tab in *$'\xc2\x9b'* | *$'\xe2\x80\xae'*) fail "control characters reached the tab: $tab" ;; esac
keys "printf '\\033]0;PWN\\105D\\007\\033c\\033[?1049h\\033[?1049l'; echo after-$((3+4))" Enter
wait_for "after-7" || fail "output after hostile sequences"
title=$(tmux -L "$SOCK" display -p -t dl '#{pane_title}')
case $title in *PWNED*) fail "the program set the real terminal's title" ;; esac
wait_for "2 local bash: PWNED" || fail "the program's own title is its tab's"
pane | sed -n 1p | grep -qF "datalab" || fail "title bar gone after hostile output"

# scrollback: 200 numbered lines, then Shift-PgUp shows older ones
keys 'clear; seq -f "line-%g" 1 200' Enter
wait_for "line-200" || fail "seq output"
keys S-PageUp
wait_for "line-163" || fail "Shift-PgUp did not scroll back"
wait_for "/" || fail "no scroll position shown"
keys S-PageDown
wait_for "line-200" || fail "Shift-PgDn did not come back"

# the list of sessions
keys C-] w
wait_for "SESSION" || fail "no session list"
pane | grep -q "local bash.*running" || fail "list does not show running sessions"
keys Up Enter
wait_for "first-2" || fail "Enter in the list did not switch to the first tab"

# close the first tab (asks, as it runs), the second one remains
keys C-] x
wait_for "close 'local bash'?" || fail "close did not ask"
keys y
wait_gone "first-2" || fail "first tab not closed"
wait_for "1 local bash: PWNED" || fail "the second tab is not the only one left"
keys 'echo alive-$((4+4))' Enter
wait_for "alive-8" || fail "remaining shell does not run"
keys 'exit' Enter
wait_for "exited with code 0" || fail "exit 0 not shown"
keys x
wait_for "No terminals open" || fail "closing an exited tab"
keys q
wait_for "[exited 0]" || fail "q with no terminal did not quit at once"
ok "two sessions, switching, title, hostile output, scrollback, list, close"
