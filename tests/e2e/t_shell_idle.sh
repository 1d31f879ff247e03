#!/usr/bin/env bash
# t_shell_idle.sh: connected to a cluster with services running, watches
# open and metrics polled, an idle console neither wakes up nor writes
# to the terminal beyond its visible timers (the 15 s metrics poll, and
# the AGE column: nb1 is under a minute old, so its age moves every
# second): over 5 s, at most the wake-ups of one poll and five age ticks,
# no CPU to speak of; and a change in the cluster reaches the screen.
. "$(dirname "$0")/lib.sh"
sb_start
sb_install nb1 jupyter-demo
sb_running nb1-0

dl_start
wait_for "nb1" 15 || fail "nb1 not listed"
wait_for "running" 15 || fail "nb1 not shown running"
pid=$(dl_pid)
[ -n "$pid" ] || fail "no datalab process"
tmux -L "$SOCK" pipe-pane -o -t dl "cat >>'$T/tty.out'"
# settle: the first metrics poll and the sandbox's own start-up events
sleep 3
bytes0=$(stat -c %s "$T/tty.out" 2>/dev/null || echo 0)
sw0=$(awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$pid/status")
t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
sleep 5
sw1=$(awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$pid/status")
t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
bytes1=$(stat -c %s "$T/tty.out" 2>/dev/null || echo 0)
echo "idle 5 s with live data: $((sw1 - sw0)) wake-ups, $((t1 - t0)) CPU ticks, $((bytes1 - bytes0)) bytes to the terminal"
[ $((sw1 - sw0)) -le $((6 + 5)) ] || fail "idle console woke up $((sw1 - sw0)) times in 5 s"
[ $((t1 - t0)) -le 2 ] || fail "idle console used $((t1 - t0)) CPU ticks"
[ $((bytes1 - bytes0)) -le $((400 + 5 * 80)) ] || fail "idle console wrote $((bytes1 - bytes0)) bytes"

# a change still gets through
sb_install nb2 jupyter-demo
wait_for "nb2" 15 || fail "a new release did not appear"
keys q
wait_for "[exited 0]" || fail "q did not quit"
ok "idle with live data: few wake-ups, no CPU, few bytes; changes still arrive"
