#!/usr/bin/env bash
# t_s3d_s3cmd.sh: s3cmd (ListObjects v1, "?location" before every call,
# 15 MiB multipart parts) against the sandbox's S3 with DIR/s3cfg: ls, put,
# get, info, setpolicy, del; 0 B to 100 MiB and awkward keys come back
# identical; a policy set with s3cmd opens a prefix to anonymous curl.
. "$(dirname "$0")/lib.sh"
command -v s3cmd >/dev/null || ok "skipped: no s3cmd"
unset AWS_CA_BUNDLE
sb_start
s() { s3cmd -c "$T/sb/s3cfg" "$@"; }
sum() { sha256sum <"$1" | cut -d' ' -f1; }

mkdir -p "$T/up" "$T/down"
: >"$T/up/zero"
printf x >"$T/up/one"
head -c $((5 * 1024 * 1024 - 1)) /dev/urandom >"$T/up/five-minus"
head -c $((5 * 1024 * 1024 + 1)) /dev/urandom >"$T/up/five-plus"
head -c $((100 * 1024 * 1024)) /dev/urandom >"$T/up/hundred"

s ls >"$T/ls" 2>&1 || fail "s3cmd ls: $(cat "$T/ls")"
grep -q 's3://user-alice' "$T/ls" || fail "no personal bucket: $(cat "$T/ls")"
s ls s3://projet-demo/ | grep -q 'DIR.*s3://projet-demo/diffusion/' || fail "no diffusion/ prefix"
[ "$(s ls s3://projet-demo/logs/events/ | wc -l)" = 2000 ] || fail "v1 paging did not reach 2000 objects"

for f in zero one five-minus five-plus hundred; do
	s put --quiet "$T/up/$f" "s3://user-alice/s3cmd/$f" >/dev/null 2>"$T/err" || fail "put $f: $(cat "$T/err")"
	s get --quiet --force "s3://user-alice/s3cmd/$f" "$T/down/$f" >/dev/null 2>"$T/err" || fail "get $f: $(cat "$T/err")"
	[ "$(sum "$T/up/$f")" = "$(sum "$T/down/$f")" ] || fail "$f differs after a round trip"
done
s info s3://user-alice/s3cmd/five-plus >"$T/info" 2>&1 || fail "info: $(cat "$T/info")"
grep -q "File size: $((5 * 1024 * 1024 + 1))" "$T/info" || fail "info: $(cat "$T/info")"
grep -q "MD5 sum: *$(md5sum <"$T/up/five-plus" | cut -d' ' -f1)" "$T/info" || fail "info md5: $(cat "$T/info")"

i=0
for k in "with space.txt" "ünï/cödé 日本.csv" "plus+sign" "100%.txt" "what?.txt" "hash#tag"; do
	i=$((i + 1))
	printf 'key %s\n' "$k" >"$T/up/k$i"
	s put --quiet "$T/up/k$i" "s3://user-alice/keys/$k" >/dev/null 2>"$T/err" || fail "put '$k': $(cat "$T/err")"
	s get --quiet --force "s3://user-alice/keys/$k" "$T/down/k$i" >/dev/null 2>"$T/err" || fail "get '$k': $(cat "$T/err")"
	cmp -s "$T/up/k$i" "$T/down/k$i" || fail "'$k' differs"
done
[ "$(s ls -r s3://user-alice/keys/ | wc -l)" = 6 ] || fail "awkward keys: $(s ls -r s3://user-alice/keys/)"

# a public prefix, the way `s3cmd setpolicy` sets one
url=$DATALAB_S3_ENDPOINT/user-alice/s3cmd/one
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url")" = 403 ] || fail "anonymous read allowed before the policy"
cat >"$T/policy.json" <<JSON
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},
 "Action":["s3:GetObject"],"Resource":["arn:aws:s3:::user-alice/s3cmd/*"]}]}
JSON
s setpolicy "$T/policy.json" s3://user-alice >"$T/err" 2>&1 || fail "setpolicy: $(cat "$T/err")"
[ "$(curl -s "$url")" = x ] || fail "anonymous read refused after the policy"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$DATALAB_S3_ENDPOINT/user-alice/README.md")" = 403 ] ||
	fail "the policy opened more than its prefix"
s info s3://user-alice 2>&1 | grep -q 'arn:aws:s3:::user-alice/s3cmd' || fail "info does not show the policy"
echo '{"Statement":[' >"$T/bad.json"
s setpolicy "$T/bad.json" s3://user-alice >"$T/err" 2>&1 && fail "a malformed policy was accepted"
grep -q MalformedPolicy "$T/err" || fail "bad policy: $(cat "$T/err")"
s delpolicy s3://user-alice >/dev/null 2>&1 || fail "delpolicy"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url")" = 403 ] || fail "anonymous read allowed after delpolicy"

s del --quiet "s3://user-alice/s3cmd/hundred" >/dev/null 2>&1 || fail "del"
s ls s3://user-alice/s3cmd/ | grep -q hundred && fail "deleted object still listed"
s del --recursive --force s3://user-alice/keys/ >/dev/null 2>&1 || fail "del --recursive"
[ -z "$(s ls -r s3://user-alice/keys/)" ] || fail "keys/ not emptied"
ok "ls, put/get 0 B..100 MiB, awkward keys, info, setpolicy, del"
