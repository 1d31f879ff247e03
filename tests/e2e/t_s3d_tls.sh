#!/usr/bin/env bash
# t_s3d_tls.sh: the sandbox's S3 over HTTPS (--tls, the sandbox's own CA):
# s3.env names the https endpoint and AWS_CA_BUNDLE; aws-cli then uploads
# with STREAMING-UNSIGNED-PAYLOAD-TRAILER inside HTTP chunked encoding
# (single and multipart), s3cmd uses the CA from s3cfg, rclone takes it with
# --ca-cert, and curl fetches a presigned URL; the bytes come back whole.
. "$(dirname "$0")/lib.sh"
DATALAB_LOG=debug sb_start --tls
case $DATALAB_S3_ENDPOINT in https://*) ;; *) fail "endpoint is $DATALAB_S3_ENDPOINT" ;; esac
[ -n "${AWS_CA_BUNDLE:-}" ] && [ -f "$AWS_CA_BUNDLE" ] || fail "no AWS_CA_BUNDLE in s3.env"
CA=$AWS_CA_BUNDLE
sum() { sha256sum <"$1" | cut -d' ' -f1; }
mkdir -p "$T/up" "$T/down"
: >"$T/up/zero"
printf x >"$T/up/one"
head -c $((5 * 1024 * 1024 + 1)) /dev/urandom >"$T/up/five-plus"
head -c $((20 * 1024 * 1024)) /dev/urandom >"$T/up/twenty"
if command -v aws >/dev/null; then
	for f in zero one five-plus twenty; do
		aws --endpoint-url "$DATALAB_S3_ENDPOINT" s3 cp --quiet "$T/up/$f" "s3://user-alice/tls/$f" || fail "aws up $f"
		aws --endpoint-url "$DATALAB_S3_ENDPOINT" s3 cp --quiet "s3://user-alice/tls/$f" "$T/down/$f" || fail "aws down $f"
		[ "$(sum "$T/up/$f")" = "$(sum "$T/down/$f")" ] || fail "aws: $f differs"
	done
	grep -q 'aws-chunked body, STREAMING-UNSIGNED-PAYLOAD-TRAILER, trailer x-amz-checksum-crc32' "$T/sb.log" ||
		fail "aws did not send the trailer form over HTTPS"
	url=$(aws --endpoint-url "$DATALAB_S3_ENDPOINT" s3 presign s3://user-alice/tls/five-plus)
	curl -s --cacert "$CA" "$url" | cmp -s - "$T/up/five-plus" || fail "curl presigned over TLS"
fi
if command -v s3cmd >/dev/null; then
	grep -q "ca_certs_file = $CA" "$T/sb/s3cfg" || fail "s3cfg has no CA"
	s3cmd -c "$T/sb/s3cfg" put --quiet "$T/up/five-plus" s3://user-alice/tls/s3cmd >/dev/null 2>"$T/err" ||
		fail "s3cmd put: $(cat "$T/err")"
	s3cmd -c "$T/sb/s3cfg" get --quiet --force s3://user-alice/tls/s3cmd "$T/down/s3cmd" >/dev/null 2>"$T/err" ||
		fail "s3cmd get: $(cat "$T/err")"
	cmp -s "$T/up/five-plus" "$T/down/s3cmd" || fail "s3cmd: differs"
fi
if command -v rclone >/dev/null; then
	# rclone 1.60 fails with AWS_CA_BUNDLE set (LoadCustomCABundleError): give it the CA itself
	env -u AWS_CA_BUNDLE rclone --config "$T/sb/rclone.conf" --ca-cert "$CA" copyto "$T/up/twenty" \
		sandbox:user-alice/tls/rclone 2>"$T/err" || fail "rclone up: $(cat "$T/err")"
	env -u AWS_CA_BUNDLE rclone --config "$T/sb/rclone.conf" --ca-cert "$CA" copyto sandbox:user-alice/tls/rclone \
		"$T/down/rclone" 2>"$T/err" || fail "rclone down: $(cat "$T/err")"
	cmp -s "$T/up/twenty" "$T/down/rclone" || fail "rclone: differs"
fi
ok "aws (trailer form), s3cmd, rclone and curl over HTTPS"
