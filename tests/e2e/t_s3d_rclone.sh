#!/usr/bin/env bash
# t_s3d_rclone.sh: rclone (ListObjectsV2 with encoding-type=url, PUT with
# UNSIGNED-PAYLOAD + Content-MD5, multipart above its cutoff) against the
# sandbox's S3, remote "sandbox" from DIR/rclone.conf: lsf, copy, sync,
# check, delete; 0 B to 100 MiB and awkward names come back identical.
. "$(dirname "$0")/lib.sh"
command -v rclone >/dev/null || ok "skipped: no rclone"
unset AWS_CA_BUNDLE		# rclone refuses to start with it on plain HTTP
sb_start
r() { rclone --config "$T/sb/rclone.conf" "$@"; }

mkdir -p "$T/tree/sub" "$T/tree/ünï"
: >"$T/tree/zero"
printf x >"$T/tree/one"
head -c $((5 * 1024 * 1024 - 1)) /dev/urandom >"$T/tree/five-minus"
head -c $((5 * 1024 * 1024 + 1)) /dev/urandom >"$T/tree/sub/five-plus"
head -c $((100 * 1024 * 1024)) /dev/urandom >"$T/tree/hundred"
for k in "with space.txt" "plus+sign" "100%.txt" "what?.txt" "hash#tag"; do
	printf 'key %s\n' "$k" >"$T/tree/sub/$k"
done
echo unicode >"$T/tree/ünï/cödé 日本.csv"

r lsf sandbox: >"$T/ls" 2>&1 || fail "lsf: $(cat "$T/ls")"
grep -qx 'user-alice/' "$T/ls" || fail "no personal bucket: $(cat "$T/ls")"
[ "$(r lsf sandbox:projet-demo/logs/events | wc -l)" = 2000 ] || fail "v2 paging did not reach 2000 objects"

r copy --s3-upload-cutoff 16M "$T/tree" sandbox:user-alice/rc >"$T/err" 2>&1 || fail "copy: $(cat "$T/err")"
r check "$T/tree" sandbox:user-alice/rc >"$T/err" 2>&1 || fail "check: $(cat "$T/err")"
r check --download "$T/tree" sandbox:user-alice/rc >"$T/err" 2>&1 || fail "check --download: $(cat "$T/err")"
r copy sandbox:user-alice/rc "$T/back" >"$T/err" 2>&1 || fail "copy back: $(cat "$T/err")"
diff -r "$T/tree" "$T/back" || fail "round trip differs"
(cd "$T/tree" && find . -type f | sort | xargs -d '\n' sha256sum) >"$T/s1"
(cd "$T/back" && find . -type f | sort | xargs -d '\n' sha256sum) >"$T/s2"
cmp -s "$T/s1" "$T/s2" || fail "sha256 differ"
r lsf -R sandbox:user-alice/rc | grep -qx 'ünï/cödé 日本.csv' || fail "unicode name: $(r lsf -R sandbox:user-alice/rc)"

rm "$T/tree/one"
echo changed >"$T/tree/sub/plus+sign"
r sync "$T/tree" sandbox:user-alice/rc >"$T/err" 2>&1 || fail "sync: $(cat "$T/err")"
r lsf sandbox:user-alice/rc | grep -qx one && fail "sync left a deleted file"
[ "$(r cat 'sandbox:user-alice/rc/sub/plus+sign')" = changed ] || fail "sync did not update"
r check "$T/tree" sandbox:user-alice/rc >"$T/err" 2>&1 || fail "check after sync: $(cat "$T/err")"
r delete sandbox:user-alice/rc >"$T/err" 2>&1 || fail "delete: $(cat "$T/err")"
[ -z "$(r lsf -R sandbox:user-alice/rc)" ] || fail "delete left files"
ok "lsf, copy/check/sync/delete 0 B..100 MiB, awkward names"
