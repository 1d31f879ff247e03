#!/usr/bin/env bash
# SIGTERM quits cleanly (exit 0, terminal restored); an idle console makes
# no wake-ups (no CPU spent, no bytes written) while nothing happens.
. "$(dirname "$0")/lib.sh"

dl_start
wait_for "datalab" || fail "no first screen"
pid=$(dl_pid)
[ -n "$pid" ] || fail "no datalab process"

sleep 0.5
sw0=$(awk '/voluntary_ctxt_switches/ && !/non/ {print $2}' "/proc/$pid/status")
t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
sleep 3
sw1=$(awk '/voluntary_ctxt_switches/ && !/non/ {print $2}' "/proc/$pid/status")
t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
echo "idle 3 s: $((sw1 - sw0)) wake-ups, $((t1 - t0)) CPU ticks"
[ $((sw1 - sw0)) -le 1 ] || fail "idle console woke up $((sw1 - sw0)) times in 3 s"
[ $((t1 - t0)) -eq 0 ] || fail "idle console used $((t1 - t0)) CPU ticks"

kill -TERM "$pid"
wait_for "[exited 0]" || fail "SIGTERM did not quit with 0"
pane | grep -qF "? help" && fail "terminal not restored after SIGTERM"
ok "SIGTERM exit 0, idle: no wake-ups"
