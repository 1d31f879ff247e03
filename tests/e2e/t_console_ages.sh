#!/usr/bin/env bash
# t_console_ages.sh: ages move by themselves.  My services shows nb1 a few
# seconds old; with nothing else changing, its AGE goes on counting every
# second (it used to wait for the next redraw: a metrics poll, 15 s
# away); and with no age on screen (help) nothing ticks.  When the
# youngest age shows no seconds the timer is set to the minute
# (test_ageclock).
. "$(dirname "$0")/lib.sh"
sb_start
sb_install nb1 jupyter-demo
sb_running nb1-0

dl_start
wait_for "nb1" 15 || fail "nb1 not listed"
wait_for "running" 15 || fail "nb1 not shown running"
age() { pane | awk '$1 == "nb1" { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+s$/) { print $i; exit } }'; }
# three times in a row the age moves within 2.5 s, no keys pressed
for round in 1 2 3; do
	a=$(age)
	[ -n "$a" ] || { pane; fail "no age for nb1"; }
	end=$(($(date +%s%N) / 1000000 + 2500))
	until [ "$(age)" != "$a" ]; do
		[ $(($(date +%s%N) / 1000000)) -lt "$end" ] || { pane | grep nb1; fail "round $round: the age stayed $a"; }
		sleep 0.1
	done
done
# help hides every age: no timer left to wake the console
pid=$(dl_pid)
keys '?'
wait_for "Everywhere" || fail "no help"
sleep 1.5
sw0=$(awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$pid/status")
sleep 3
sw1=$(awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$pid/status")
echo "help shown 3 s: $((sw1 - sw0)) wake-ups"
# the 15 s metrics poll may land in the window: a few wake-ups, not 3 ticks a second
[ $((sw1 - sw0)) -le 4 ] || fail "the console woke up $((sw1 - sw0)) times in 3 s with no age on screen"
keys q
keys q
wait_for "[exited 0]" || fail "q did not quit"
ok "ages move every second while young, nothing ticks with no age on screen"
