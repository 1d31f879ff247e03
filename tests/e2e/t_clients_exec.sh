#!/usr/bin/env bash
# datalab exec and logs against the sandbox's real shells: exit codes
# passed through (beside kubectl exec's in the same run), stdin to the
# command (and its end), 1 MiB through cat unchanged, an interactive
# terminal driven in tmux (typing, a resize seen by stty, the exit code),
# refusals worded, and logs read and followed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/clients_lib.sh"

sb_start --no-s3
if [ -z "$(kc get nodes --no-headers 2>/dev/null)" ]; then
	# a sandbox without its cluster part (nodes, pod lifecycle, exec)
	echo "ok   $TEST_NAME: SKIPPED: this sandbox runs no pods (no nodes)"; exit 0
fi
mkpod shell || fail "kubectl apply"
running shell || fail "the pod does not run"

for code in 0 3 255; do
	datalab exec shell -- sh -c "echo out; echo err >&2; exit $code" >"$T/o" 2>"$T/e"; rc=$?
	kc exec shell -- sh -c "exit $code" >/dev/null 2>&1; krc=$?
	[ $rc -eq $code ] || fail "exit $code came back as $rc"
	[ $rc -eq $krc ] || fail "datalab $rc, kubectl $krc"
	[ "$(cat "$T/o")" = "out" ] || fail "stdout: $(cat "$T/o")"
	grep -q "^err$" "$T/e" || fail "stderr: $(cat "$T/e")"
	if [ $code -ne 0 ]; then
		grep -q "^command terminated with exit code $code$" "$T/e" || fail "no exit line: $(cat "$T/e")"
	fi
done

# stdin, its end, and 1 MiB of binary bytes through cat (stdin was once
# cut at a pipe's worth, 64 KiB, when its end came before the child read it)
printf 'abc\n' | datalab exec -i shell -- cat >"$T/o" || fail "exec -i cat"
[ "$(cat "$T/o")" = "abc" ] || fail "cat gave '$(cat "$T/o")'"
head -c 1048576 /dev/urandom >"$T/blob"
datalab exec -i shell -- cat <"$T/blob" >"$T/blob.out" || fail "exec -i cat of 1 MiB"
cmp -s "$T/blob" "$T/blob.out" || fail "1 MiB through cat changed ($(wc -c <"$T/blob.out") bytes back)"
n=$(datalab exec -i shell -- sh -c 'cat | wc -c' <"$T/blob") || fail "exec -i wc -c"
[ "$n" -eq 1048576 ] || fail "wc -c counted $n of 1048576 bytes"

# refusals, in words
datalab exec nope -- sh >/dev/null 2>"$T/e"; rc=$?
[ $rc -eq 1 ] || fail "a missing pod: exit $rc"
grep -q '^error: pods "nope" not found$' "$T/e" || fail "a missing pod: $(cat "$T/e")"
datalab exec shell -c ghost -- sh >/dev/null 2>"$T/e"; rc=$?
[ $rc -eq 1 ] || fail "a missing container: exit $rc"
grep -q "ghost" "$T/e" || fail "a missing container: $(cat "$T/e")"
echo | datalab exec -t shell -- true 2>"$T/e" >/dev/null
grep -q "Unable to use a TTY" "$T/e" || fail "-t without a terminal was not told"

# an interactive terminal in tmux
COLS=80 ROWS=24 dl_start exec -it shell -- sh
sleep_until_prompt() { wait_for "$1" 10; }
sleep_until_prompt "#" || fail "no prompt from the remote shell"
keys 'echo $((6*7))' Enter
sleep_until_prompt "42" || fail "no answer from the remote shell"
keys 'stty size' Enter
sleep_until_prompt "24 80" || fail "the first size was not sent"
tmux -L "$SOCK" resize-window -t dl -x 100 -y 30
keys 'stty size' Enter
sleep_until_prompt "30 100" || fail "the resize did not reach the shell"
keys 'exit 5' Enter
wait_for "[exited 5]" || fail "the interactive exit code was not passed through"

# logs, read and followed
kc logs shell >"$T/k.log" 2>&1
datalab logs shell >"$T/d.log" 2>"$T/e" || fail "logs: $(cat "$T/e")"
cmp -s "$T/k.log" "$T/d.log" || { diff "$T/k.log" "$T/d.log" | head; fail "logs differ from kubectl's"; }
[ -s "$T/d.log" ] || fail "an empty log"
datalab logs shell --tail 1 >"$T/o" || fail "logs --tail"
[ "$(wc -l <"$T/o")" -eq 1 ] || fail "--tail 1 gave $(wc -l <"$T/o") lines"
bg follow datalab logs -f shell
wait_file "$(head -1 "$T/d.log")" "$T/follow.out" 5 || fail "logs -f printed nothing"
sleep 0.5
kill -0 "$(cat "$T/follow.pid")" || fail "logs -f did not keep following"
bg_stop follow
datalab logs nope >/dev/null 2>"$T/e"; [ $? -eq 1 ] || fail "logs of a missing pod"
ok "exit codes 0/3/255 like kubectl, stdin and 1 MiB, tty with resize and exit 5, logs"
