#!/usr/bin/env bash
# The sandbox's API answers bad requests the apiserver's way: a Status with
# the right code, reason and wording, and the store untouched.  Covers 400
# (malformed JSON/YAML, wrong apiVersion, strict fields), 404, 405, 406,
# 409, 413, 415, 422 (names, hostile label values), 401 over TLS.
. "$(dirname "$0")/lib.sh"

sb_start --no-s3
API=$(sed -n 's/^api=//p' "$T/sb/ready")
TOKEN=$(cat "$T/sb/token")
NS=$API/api/v1/namespaces/user-alice

# req METHOD URL [curl args]: sets $code and $out (the body)
req() {
	local m=$1 u=$2
	shift 2
	code=$(curl -s -o "$T/body" -w '%{http_code}' -X "$m" -H "Authorization: Bearer $TOKEN" "$@" "$u")
	out=$(cat "$T/body")
}
expect() {	# expect CODE REASON: checks the last req
	[ "$code" = "$1" ] || fail "expected $1, got $code: $out"
	[ "$(jq -r .kind <<<"$out")" = Status ] || fail "not a Status: $out"
	[ "$(jq -r .reason <<<"$out")" = "$2" ] || fail "expected reason $2: $out"
	[ "$(jq -r .code <<<"$out")" = "$1" ] || fail "Status code differs: $out"
}
rv() { kubectl get --raw /api/v1/namespaces/user-alice/configmaps | jq -r .metadata.resourceVersion; }

before=$(rv)
req POST "$NS/configmaps" -H 'Content-Type: application/json' --data '{"metadata":{"name":"x"},'
expect 400 BadRequest
req POST "$NS/configmaps" -H 'Content-Type: application/yaml' --data-binary $'metadata:\n  name: "x\n'
expect 400 BadRequest
req POST "$NS/configmaps" -H 'Content-Type: text/xml' --data '<x/>'
expect 415 UnsupportedMediaType
grep -q 'accepted media types include' <<<"$out" || fail "415 wording: $out"
req POST "$NS/configmaps" -H 'Content-Type: application/json' \
	--data '{"apiVersion":"apps/v1","kind":"ConfigMap","metadata":{"name":"x"}}'
expect 400 BadRequest
grep -qF 'the API version in the data (apps/v1) does not match the expected API version (v1)' <<<"$out" ||
	fail "apiVersion wording: $out"
req POST "$NS/configmaps?fieldValidation=Strict" -H 'Content-Type: application/json' \
	--data '{"metadata":{"name":"x"},"dta":{"a":"b"}}'
expect 400 BadRequest
grep -qF 'strict decoding error: unknown field \"dta\"' <<<"$out" || fail "strict wording: $out"
# Warn: accepted, with a Warning header
code=$(curl -s -o /dev/null -D "$T/h" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/json' --data '{"metadata":{"name":"warned"},"dta":{}}' \
	"$NS/configmaps?fieldValidation=Warn")
[ "$code" = 201 ] || fail "Warn create: $code"
grep -qi '^Warning: 299 - "unknown field \\"dta\\""' "$T/h" || fail "no Warning header: $(cat "$T/h")"

req POST "$NS/secrets" -H 'Content-Type: application/json' --data '{"metadata":{"name":"Bad_Name"}}'
expect 422 Invalid
[ "$(jq -r '.details.causes[0].field' <<<"$out")" = metadata.name ] || fail "422 causes: $out"
grep -qF 'Secret \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain' <<<"$out" ||
	fail "422 wording: $out"
# a hostile label value comes back quoted (\x1b), never as a raw ESC
req POST "$NS/configmaps" -H 'Content-Type: application/json' \
	--data '{"metadata":{"name":"h","labels":{"a":"\u001b]52;c;aGk=\u0007"}}}'
expect 422 Invalid
grep -q $'\x1b' "$T/body" && fail "raw ESC in the Status body"
grep -qF '\\x1b]52;c;aGk=\\a' "$T/body" || fail "label value not quoted: $(cat "$T/body")"

req GET "$NS/configmaps/nope"
expect 404 NotFound
[ "$(jq -r .message <<<"$out")" = 'configmaps "nope" not found' ] || fail "404 wording: $out"
req GET "$API/api/v1/namespaces/nope/configmaps/x"
expect 404 NotFound
req POST "$API/api/v1/namespaces/nope/configmaps" -H 'Content-Type: application/json' \
	--data '{"metadata":{"name":"x"}}'
expect 404 NotFound
[ "$(jq -r .message <<<"$out")" = 'namespaces "nope" not found' ] || fail "namespace 404 wording: $out"
req GET "$API/apis/example.com/v1/widgets"
expect 404 NotFound
req PUT "$NS/configmaps" -H 'Content-Type: application/json' --data '{}'
expect 405 MethodNotAllowed
req GET "$NS/configmaps/warned" -H 'Accept: application/xml'
expect 406 NotAcceptable

req POST "$NS/configmaps" -H 'Content-Type: application/json' --data '{"metadata":{"name":"warned"}}'
expect 409 AlreadyExists
[ "$(jq -r .message <<<"$out")" = 'configmaps "warned" already exists' ] || fail "409 wording: $out"
req PUT "$NS/configmaps/warned" -H 'Content-Type: application/json' \
	--data '{"metadata":{"name":"warned","resourceVersion":"1"},"data":{"a":"b"}}'
expect 409 Conflict
grep -qF 'the object has been modified; please apply your changes to the latest version and try again' <<<"$out" ||
	fail "conflict wording: $out"

# a 4 MiB body: 413, never stored
head -c 4194304 /dev/zero | tr '\0' 'a' | sed 's/^/{"metadata":{"name":"big"},"data":{"a":"/; s/$/"}}/' >"$T/big.json"
req POST "$NS/configmaps" -H 'Content-Type: application/json' --data-binary @"$T/big.json"
expect 413 RequestEntityTooLarge

after=$(rv)
[ "$after" = "$((before + 1))" ] || fail "the store moved by more than the one accepted write ($before -> $after)"
kubectl get cm big >/dev/null 2>&1 && fail "the oversized object was stored"
[ "$(kubectl get cm -o json | jq '[.items[].metadata.name] | sort | join(",")' -r)" = "warned" ] ||
	fail "unexpected objects: $(kubectl get cm -o name)"

# the apiserver's wording through kubectl
out=$(kubectl create configmap warned 2>&1) && fail "duplicate accepted"
grep -qF 'configmaps "warned" already exists' <<<"$out" || fail "kubectl: $out"
out=$(kubectl get pods nope 2>&1) && fail "missing pod found"
grep -qF 'Error from server (NotFound): pods "nope" not found' <<<"$out" || fail "kubectl: $out"
out=$(kubectl get frobnicators 2>&1) && fail "unknown kind accepted"
grep -qF "the server doesn't have a resource type \"frobnicators\"" <<<"$out" || fail "kubectl: $out"
sb_stop

# TLS: the token is required (401 Status), the CA verifies
rm -rf "$T/sb"
sb_start --no-s3 --tls
API=$(sed -n 's/^api=//p' "$T/sb/ready")
case $API in https://*) ;; *) fail "no https URL with --tls: $API" ;; esac
out=$(curl -s --cacert "$T/sb/tls/ca.crt" -w ' %{http_code}' "$API/api/v1/namespaces")
[ "${out##* }" = 401 ] || fail "no 401 without a token: $out"
[ "$(jq -r .reason <<<"${out% *}")" = Unauthorized ] || fail "401 body: $out"
out=$(curl -s --cacert "$T/sb/tls/ca.crt" -H "Authorization: Bearer wrong" -w ' %{http_code}' "$API/version")
[ "${out##* }" = 401 ] || fail "a wrong token passed: $out"
kubectl get ns user-alice >/dev/null || fail "kubectl with the CA and token failed"
ok "400, 404, 405, 406, 409, 413, 415, 422, 401 over TLS; store untouched"
