#!/usr/bin/env bash
# t_journey_first_run.sh: a first run of `make demo` (scripts/demo.sh) with
# a fresh DATALAB_DEMO_DIR, in tmux: a sandbox starts, the console comes
# up on My services with the empty-state message, ? lists the keys, and
# Ctrl-C in the console stops both the console and the sandbox (no
# datalab-sandbox left for that folder, its ready file gone).
. "$(dirname "$0")/lib.sh"

t0=$(date +%s)
demo=$T/demo

tmux -L "$SOCK" -f /dev/null new-session -d -s dl -x 120 -y 40 \
	"env TERM=xterm-256color DATALAB_DEMO_DIR=$(printf %q "$demo") $(printf %q "$ROOT/scripts/demo.sh"); echo \"[exited \$?]\"; sleep 30"
# a first start seeds the sample buckets: as generous as sb_start
wait_for "My services" 40 || fail "the console did not come up on My services"
wait_for "no services in 'user-alice' yet: :catalog launches one" 15 || fail "no empty-state message"
[ -f "$demo/ready" ] || fail "no ready file in the demo folder"
pid=$(sed -n 's/^pid=//p' "$demo/ready")
[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = datalab-sandbox ] || fail "no sandbox serving $demo (pid '$pid')"
pane | grep -q "ns user-alice" || fail "the title bar lacks the namespace"

keys '?'
wait_for "Everywhere" || fail "? did not open the help"
for k in "open the service" "delete the service" "this help" "switch to the n-th view"; do
	pane | grep -qF "$k" || fail "the help lacks '$k'"
done
keys x
wait_gone "Everywhere" || fail "the help did not close"

keys C-c
wait_for "[exited " 20 || fail "Ctrl-C did not end the demo"
pane | grep -qF "? help" && fail "the terminal was not restored"
WAIT=15 wait_cmd sh -c "! kill -0 $pid 2>/dev/null" || fail "the sandbox (pid $pid) still runs"
pgrep -f -- "datalab-sandbox --dir $demo " >/dev/null && fail "a datalab-sandbox still serves $demo"
[ -f "$demo/ready" ] && fail "the ready file is left behind"
grep -q "stopping" "$demo/sandbox.log" || fail "the sandbox did not stop cleanly: $(tail -3 "$demo/sandbox.log")"
ok "fresh demo: My services empty state, help, Ctrl-C stops console and sandbox ($(($(date +%s) - t0)) s)"
