#!/usr/bin/env bash
# How datalab proves who it is: an exec-plugin kubeconfig (a script that
# prints an ExecCredential with the sandbox's token, run once and cached),
# and a TLS sandbox (--tls) checked against its CA, for one-shot lists and
# for a watch.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/clients_lib.sh"

sb_start --tls --no-s3
grep -q "server: https://" "$KUBECONFIG" || fail "the sandbox did not write an https kubeconfig"
grep -q "certificate-authority-data:" "$KUBECONFIG" || fail "no CA in the kubeconfig"
token=$(sed -n 's/^ *token: //p' "$KUBECONFIG")

# TLS with the CA: a list and a watch
datalab pods >"$T/o" 2>"$T/e"; rc=$?
[ $rc -eq 0 ] || fail "pods over TLS: exit $rc: $(cat "$T/e")"
DATALAB_LOG_FILE=$T/dl.log bg watch datalab pods -w
wait_file "No resources found" "$T/watch.err" || fail "watch over TLS did not sync"
mkpod tls-pod
wait_file "tls-pod" "$T/watch.out" 5 || fail "watch over TLS missed a pod"
bg_stop watch
if [ -n "$(kc get nodes --no-headers 2>/dev/null)" ]; then
	# the WebSocket over TLS, checked against the same CA
	running tls-pod 30 || fail "tls-pod does not run"
	datalab exec tls-pod -- sh -c 'echo over-tls; exit 4' >"$T/o" 2>"$T/e"; rc=$?
	[ $rc -eq 4 ] || fail "exec over TLS: exit $rc: $(cat "$T/e")"
	[ "$(cat "$T/o")" = "over-tls" ] || fail "exec over TLS printed '$(cat "$T/o")'"
	tls_exec=", exec over TLS"
fi

# a wrong CA: refused, in words
sed 's/certificate-authority-data: .*/certificate-authority-data: '"$(base64 -w0 <<<'-----BEGIN CERTIFICATE-----
MIIBAjCBqgIJAO
-----END CERTIFICATE-----')"'/' "$KUBECONFIG" >"$T/badca.kubeconfig"
datalab pods --kubeconfig "$T/badca.kubeconfig" >"$T/o" 2>"$T/e"; rc=$?
[ $rc -eq 1 ] || fail "a bad CA: exit $rc"
grep -q "^error: .*TLS" "$T/e" || fail "a bad CA worded: $(cat "$T/e")"

# an exec plugin hands out the token; it runs once for several calls
cat >"$T/plugin.sh" <<PLUGIN
#!/bin/sh
echo run >>"$T/plugin.runs"
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}\n' "$token"
PLUGIN
chmod +x "$T/plugin.sh"
awk -v p="$T/plugin.sh" '
	/^- name: alice/ { print; getline; print "  user:"; print "    exec:"; print "      apiVersion: client.authentication.k8s.io/v1";
			   print "      command: " p; print "      interactiveMode: Never"; skip = 1; next }
	skip && /^ *token:/ { skip = 0; next }
	{ print }' "$KUBECONFIG" >"$T/exec.kubeconfig"
grep -q "command: $T/plugin.sh" "$T/exec.kubeconfig" || fail "could not write the exec kubeconfig"
grep -q "token:" "$T/exec.kubeconfig" && fail "the exec kubeconfig still holds the token"
datalab services --kubeconfig "$T/exec.kubeconfig" >"$T/o" 2>"$T/e"; rc=$?
[ $rc -eq 0 ] || fail "services with an exec plugin: exit $rc: $(cat "$T/e")"
[ "$(wc -l <"$T/plugin.runs")" -eq 1 ] || fail "the plugin ran $(wc -l <"$T/plugin.runs") times for one command"
datalab pods --kubeconfig "$T/exec.kubeconfig" >"$T/o" 2>"$T/e" || fail "pods with an exec plugin: $(cat "$T/e")"
grep -q "tls-pod" "$T/o" || fail "pods with an exec plugin: $(cat "$T/o")"
if [ -n "${tls_exec:-}" ]; then
	datalab exec tls-pod --kubeconfig "$T/exec.kubeconfig" -- sh -c 'exit 6' >/dev/null 2>&1; rc=$?
	[ $rc -eq 6 ] || fail "exec with an exec plugin: exit $rc"
fi

# a plugin that fails: its words, exit 1
sed "s|command: .*|command: /bin/false|" "$T/exec.kubeconfig" >"$T/false.kubeconfig"
datalab pods --kubeconfig "$T/false.kubeconfig" >"$T/o" 2>"$T/e"; rc=$?
[ $rc -eq 1 ] || fail "a failing plugin: exit $rc"
grep -q "^error: .*false" "$T/e" || fail "a failing plugin worded: $(cat "$T/e")"
ok "TLS with the sandbox CA (list, watch, bad CA${tls_exec:-}), exec plugin (cached, failing)"
