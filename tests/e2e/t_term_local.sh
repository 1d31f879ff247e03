#!/usr/bin/env bash
# The terminals view runs a local shell: typed commands and their output,
# full-screen cursor addressing and colours, vi on the alternate screen and
# back, the real cursor where the shell's is, `stty size` following a
# console resize, `exit 3` shown as "exited with code 3" and restart, and
# q asking first while a terminal runs.
. "$(dirname "$0")/lib.sh"

export SHELL=/bin/bash
printf "PS1='e2e\$ '\nunset HISTFILE\n" >"$HOME/.bashrc"

# pane_row N: line N (0-based) of the pane
pane_row() { pane | sed -n "$(($1 + 1))p"; }
# resize COLS ROWS: resize the console and wait until it redrew at that
# size (keys typed before would reach the shell before its SIGWINCH)
resize() {
	tmux -L "$SOCK" resize-window -t dl -x "$1" -y "$2"
	WAIT=5 wait_cmd sh -c "tmux -L $SOCK capture-pane -p -t dl | sed -n '$2p' | grep -q 'console keys'"
}

dl_start
wait_for "? help" || fail "console did not start"
keys ':terminals' Enter
wait_for "No terminals open" || fail "no empty state"
keys c
wait_for 'e2e$' || fail "no shell prompt"
wait_for "1 local bash" || fail "no tab"

keys 'echo hello-$((6*7))' Enter
wait_for "hello-42" || fail "command output not shown"

# the cursor: after the prompt on the third terminal row (pane row 2 + 2)
keys 'clear' Enter
wait_gone "hello-42" || fail "clear did not clear"
cursor() { tmux -L "$SOCK" display -p -t dl '#{cursor_x},#{cursor_y},#{cursor_flag}'; }
WAIT=5 wait_cmd sh -c "[ \"\$(tmux -L $SOCK display -p -t dl '#{cursor_x},#{cursor_y},#{cursor_flag}')\" = 5,2,1 ]" ||
	fail "cursor at $(cursor), not 5,2,1"

# full-screen output: cursor addressing and a colour
# (octal escapes, so the typed command does not hold the words it prints)
keys "printf '\\033[2J\\033[10;20HM\\101RK\\033[12;1H\\033[31m\\122ED\\033[0m\\n'; sleep 1" Enter
wait_for "MARK" || fail "cursor-addressed text not shown"
[ "$(pane_row 11 | cut -c20-23)" = "MARK" ] || { pane; fail "MARK not at row 10, column 20 of the terminal"; }
tmux -L "$SOCK" capture-pane -p -e -t dl | grep -q $'\e\[31mRED' || fail "red text not drawn red"

# vi on the alternate screen, then the shell screen is back
keys 'echo before-vi' Enter
wait_for "before-vi" || fail "no output before vi"
keys 'vi' Enter
wait_for "~" || fail "vi did not start"
wait_gone "before-vi" || fail "vi did not take the whole screen"
keys Escape ':q!' Enter
wait_for "before-vi" || fail "shell screen not restored after vi"

# console resize: the shell's tty follows (rows minus title, tabs, hints)
resize 100 30 || fail "console did not redraw at 100x30"
keys 'stty size' Enter
wait_for "27 100" || fail "stty size did not follow the resize"
resize 120 40 || fail "console did not redraw at 120x40"
keys 'clear; stty size' Enter
wait_for "37 120" || fail "stty size did not follow the second resize"

# a paste from the real terminal comes as one block, bracketed for a
# program that asked (mode 2004): cat -v shows the markers; the ESC of an
# escape sequence inside the paste is dropped (it could end the bracket)
keys "printf '\\033[?2004h'; cat -v" Enter
tmux -L "$SOCK" set-buffer -b p $'pasted\e[Atext'
tmux -L "$SOCK" paste-buffer -p -b p -t dl
keys Enter
wait_for '^[[200~pasted[Atext^[[201~' || fail "paste not bracketed for the program"
keys C-d
keys "printf '\\033[?2004l'; clear" Enter
wait_gone 'pasted[Atext' || fail "clear after the paste"

# exit status, then restart in the same tab
keys 'exit 3' Enter
wait_for "exited with code 3" || fail "exit code not shown"
wait_for "[exit 3]" || fail "tab does not show the exit"
keys r
wait_for "[reconnecting]" || fail "restart did not start"
wait_gone "[exit 3]" || fail "tab still shows the old exit"
keys 'echo again-$((1+1))' Enter
wait_for "again-2" || fail "restarted shell does not run"

# q goes to the shell; Ctrl-] q asks because a terminal runs
keys C-] q
wait_for "still running: quit anyway?" || fail "quit did not ask"
keys n
wait_gone "quit anyway?" || fail "question stayed"
keys 'echo still-here' Enter
wait_for "still-here" || fail "shell gone after answering no"
keys C-] q
wait_for "quit anyway?" || fail "quit did not ask again"
keys y
wait_for "[exited 0]" || fail "did not quit after yes"
ok "shell, output, cursor, colours, vi, resize, bracketed paste, exit 3, restart, quit asks"
