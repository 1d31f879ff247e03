#!/usr/bin/env bash
# t_s3d_http.sh: the sandbox's S3 at the HTTP level with plain curl: a
# presigned URL works and stops at its expiry; a public prefix reads
# without credentials and nothing else does; wrong keys, wrong secrets,
# skewed clocks, bad digests, malformed XML and oversized bodies get the
# real S3 error (code, status, RequestId; HEAD without a body) and write
# nothing.
. "$(dirname "$0")/lib.sh"
unset AWS_CA_BUNDLE
sb_start
EP=$DATALAB_S3_ENDPOINT
sig=(--aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"
	-H "x-amz-content-sha256: UNSIGNED-PAYLOAD")
c() { curl -s "${sig[@]}" "$@"; }
code() { sed -n 's:.*<Code>\(.*\)</Code>.*:\1:p' "$1"; }

head -c 300000 /dev/urandom >"$T/blob"
[ "$(c -o /dev/null -w '%{http_code}' -T "$T/blob" "$EP/user-alice/http/blob")" = 200 ] || fail "signed PUT"
c "$EP/user-alice/http/blob" | cmp -s - "$T/blob" || fail "signed GET differs"

# presigned, with a short life
if command -v aws >/dev/null; then
	url=$(aws --endpoint-url "$EP" s3 presign s3://user-alice/http/blob --expires-in 2) || fail "presign"
	curl -s "$url" | cmp -s - "$T/blob" || fail "presigned GET differs"
	end=$(($(date +%s) + 10))
	until [ "$(curl -s -o "$T/out" -w '%{http_code}' "$url")" = 403 ]; do
		[ "$(date +%s)" -lt "$end" ] || fail "presigned URL still valid after its expiry"
		sleep 0.5
	done
	grep -q '<Message>Request has expired</Message>' "$T/out" || fail "expired: $(cat "$T/out")"
	[ "$(code "$T/out")" = AccessDenied ] || fail "expired: $(cat "$T/out")"
fi

# anonymous: only the public prefix of projet-demo
[ "$(curl -s -o "$T/out" -w '%{http_code}' "$EP/projet-demo/diffusion/cities.csv")" = 200 ] || fail "public read"
grep -q '^Paris,' "$T/out" || fail "public csv: $(head -2 "$T/out")"
[ "$(curl -s -o "$T/out" -w '%{http_code}' "$EP/projet-demo?list-type=2&prefix=diffusion/")" = 200 ] || fail "public list"
grep -q '<Key>diffusion/cities.parquet</Key>' "$T/out" || fail "public list: $(cat "$T/out")"
for u in "$EP/projet-demo/README.md" "$EP/projet-demo?list-type=2" "$EP/user-alice/http/blob" "$EP/"; do
	[ "$(curl -s -o "$T/out" -w '%{http_code}' "$u")" = 403 ] || fail "anonymous $u allowed"
	[ "$(code "$T/out")" = AccessDenied ] || fail "anonymous $u: $(cat "$T/out")"
	grep -q '<RequestId>[0-9A-F]\{16\}</RequestId>' "$T/out" || fail "no RequestId: $(cat "$T/out")"
done
[ "$(curl -s -o /dev/null -w '%{http_code}' -T "$T/blob" "$EP/projet-demo/diffusion/x")" = 403 ] || fail "anonymous PUT"

# credentials refused the way S3 refuses them
curl -s --aws-sigv4 "aws:amz:us-east-1:s3" --user "AKIDNOTOURS:$AWS_SECRET_ACCESS_KEY" \
	-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -o "$T/out" "$EP/user-alice/http/blob"
[ "$(code "$T/out")" = InvalidAccessKeyId ] || fail "wrong key: $(cat "$T/out")"
curl -s --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:not-the-secret" \
	-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -o "$T/out" -w '%{http_code}' "$EP/user-alice/http/blob" >"$T/st"
[ "$(code "$T/out")" = SignatureDoesNotMatch ] && [ "$(cat "$T/st")" = 403 ] || fail "wrong secret: $(cat "$T/out")"
grep -q '<StringToSign>AWS4-HMAC-SHA256' "$T/out" || fail "no StringToSign: $(cat "$T/out")"
c -H "x-amz-date: $(date -u -d '-20 min' +%Y%m%dT%H%M%SZ)" -o "$T/out" "$EP/user-alice/http/blob"
[ "$(code "$T/out")" = RequestTimeTooSkewed ] || fail "skew: $(cat "$T/out")"
c -H "x-amz-date: $(date -u -d '-10 min' +%Y%m%dT%H%M%SZ)" -o "$T/out" "$EP/user-alice/http/blob"
cmp -s "$T/out" "$T/blob" || fail "10 minutes of skew refused"
# HEAD errors carry no body
curl -s -I "${sig[@]}" "$EP/user-alice/http/nope" >"$T/head"
grep -q '^HTTP/1.1 404' "$T/head" && grep -qi '^content-length: 0' "$T/head" || fail "HEAD 404: $(cat "$T/head")"

# digests: nothing is written when they do not match
c -o "$T/out" -T "$T/blob" -H "Content-MD5: $(printf x | openssl md5 -binary | base64)" "$EP/user-alice/http/bad-md5"
[ "$(code "$T/out")" = BadDigest ] || fail "bad Content-MD5: $(cat "$T/out")"
c -o "$T/out" -T "$T/blob" -H "Content-MD5: $(openssl md5 -binary <"$T/blob" | base64)" "$EP/user-alice/http/good-md5"
[ ! -s "$T/out" ] || fail "good Content-MD5: $(cat "$T/out")"
c -o "$T/out" -T "$T/blob" -H "x-amz-checksum-crc32: AAAAAA==" "$EP/user-alice/http/bad-crc"
[ "$(code "$T/out")" = BadDigest ] || fail "bad crc32: $(cat "$T/out")"
curl -s --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
	-H "x-amz-content-sha256: $(printf other | sha256sum | cut -d' ' -f1)" -T "$T/blob" -o "$T/out" \
	"$EP/user-alice/http/bad-sha"
[ "$(code "$T/out")" = XAmzContentSHA256Mismatch ] || fail "bad sha256: $(cat "$T/out")"
for k in bad-md5 bad-crc bad-sha; do
	[ "$(c -o /dev/null -w '%{http_code}' -I "$EP/user-alice/http/$k")" = 404 ] || fail "$k was written"
done

# bodies: malformed XML, an oversized announcement, bad keys ("?delete=":
# curl 7.88 signs a bare "?delete" without the "=" SigV4 wants)
printf '<Delete><Object><Key>http/blob</Key></Object>' >"$T/bad.xml"
c -o "$T/out" -X POST --data-binary "@$T/bad.xml" "$EP/user-alice?delete="
[ "$(code "$T/out")" = MalformedXML ] || fail "malformed XML: $(cat "$T/out")"
[ "$(c -o /dev/null -w '%{http_code}' -I "$EP/user-alice/http/blob")" = 200 ] || fail "malformed delete deleted"
printf '<Delete><Quiet>true</Quiet><Object><Key>http/good-md5</Key></Object><Object><Key>http/none</Key></Object></Delete>' >"$T/ok.xml"
c -o "$T/out" -X POST --data-binary "@$T/ok.xml" "$EP/user-alice?delete="
grep -q '<DeleteResult' "$T/out" && ! grep -q '<Deleted>' "$T/out" || fail "quiet delete: $(cat "$T/out")"
[ "$(c -o /dev/null -w '%{http_code}' -I "$EP/user-alice/http/good-md5")" = 404 ] || fail "multi-delete kept the object"
c -o "$T/out" -X PUT -H "Content-Length: 6442450944" "$EP/user-alice/http/huge" --max-time 10
[ "$(code "$T/out")" = EntityTooLarge ] || fail "6 GiB announced: $(cat "$T/out")"
if command -v aws >/dev/null; then	# curl would normalise the path it signs
	aws --endpoint-url "$EP" s3api put-object --bucket user-alice --key 'a/../b' --body "$T/blob" 2>"$T/out" &&
		fail "a '..' key was stored"
	grep -q InvalidArgument "$T/out" || fail "'..' key: $(cat "$T/out")"
fi
c -o "$T/out" -T "$T/blob" "$EP/user-alice/a%00b"
case $(code "$T/out") in InvalidURI | InvalidArgument) ;; *) fail "NUL key: $(cat "$T/out")" ;; esac
[ "$(c -o /dev/null -w '%{http_code}' -I "$EP/user-alice/a")" = 404 ] || fail "the NUL key was cut and stored"

# ranges and conditions
[ "$(c -r 10-19 "$EP/user-alice/http/blob" | cmp - <(tail -c +11 "$T/blob" | head -c 10) && echo same)" = same ] || fail "range"
[ "$(c -o /dev/null -w '%{http_code}' -r 10-19 "$EP/user-alice/http/blob")" = 206 ] || fail "range status"
[ "$(c -o "$T/out" -w '%{http_code}' -r 400000-500000 "$EP/user-alice/http/blob")" = 416 ] || fail "416"
[ "$(code "$T/out")" = InvalidRange ] || fail "416: $(cat "$T/out")"
etag=$(c -I "$EP/user-alice/http/blob" | sed -n 's/^[Ee][Tt]ag: *\(.*\)\r$/\1/p')
[ "$etag" = "\"$(md5sum <"$T/blob" | cut -d' ' -f1)\"" ] || fail "ETag $etag"
[ "$(c -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$EP/user-alice/http/blob")" = 304 ] || fail "If-None-Match"
[ "$(c -o /dev/null -w '%{http_code}' -H 'If-Match: "0000"' "$EP/user-alice/http/blob")" = 412 ] || fail "If-Match"
[ "$(c -o /dev/null -w '%{http_code}' -H "If-Modified-Since: $(date -u -d '+1 hour' '+%a, %d %b %Y %H:%M:%S GMT')" \
	"$EP/user-alice/http/blob")" = 304 ] || fail "If-Modified-Since"
ok "presign and expiry, public prefix, refusals, digests, bodies, ranges, conditions"
