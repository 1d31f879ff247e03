#!/usr/bin/env bash
# t_s3d_aws.sh: aws-cli against the sandbox's S3: s3 mb/ls/cp/sync/rm/rb,
# s3api paging and multipart calls; the bytes come back identical (sha256)
# for 0 B, 1 B, 5 MiB-1, 5 MiB+1 and 100 MiB (multipart) objects and for
# keys with spaces, unicode, +, %, ? and #.
. "$(dirname "$0")/lib.sh"
command -v aws >/dev/null || ok "skipped: no aws"
unset AWS_CA_BUNDLE
sb_start
E=(--endpoint-url "$DATALAB_S3_ENDPOINT")
a() { aws "${E[@]}" "$@"; }
sum() { sha256sum <"$1" | cut -d' ' -f1; }

mkdir -p "$T/up" "$T/down"
: >"$T/up/zero"
printf x >"$T/up/one"
head -c $((5 * 1024 * 1024 - 1)) /dev/urandom >"$T/up/five-minus"
head -c $((5 * 1024 * 1024 + 1)) /dev/urandom >"$T/up/five-plus"
head -c $((100 * 1024 * 1024)) /dev/urandom >"$T/up/hundred"

# the buckets a new user expects
a s3 ls >"$T/ls" || fail "aws s3 ls"
grep -q ' user-alice$' "$T/ls" && grep -q ' projet-demo$' "$T/ls" || fail "default buckets missing: $(cat "$T/ls")"
a s3 ls s3://projet-demo/diffusion/ | grep -q 'cities.parquet' || fail "sample data missing"

a s3 mb s3://e2e-aws >/dev/null || fail "mb"
for f in zero one five-minus five-plus hundred; do
	a s3 cp --quiet "$T/up/$f" "s3://e2e-aws/sizes/$f" || fail "cp up $f"
	a s3 cp --quiet "s3://e2e-aws/sizes/$f" "$T/down/$f" || fail "cp down $f"
	[ "$(sum "$T/up/$f")" = "$(sum "$T/down/$f")" ] || fail "$f differs after a round trip"
done
size=$(a s3api head-object --bucket e2e-aws --key sizes/hundred --query ContentLength --output text)
[ "$size" = $((100 * 1024 * 1024)) ] || fail "head-object size $size"
etag=$(a s3api head-object --bucket e2e-aws --key sizes/hundred --query ETag --output text)
case $etag in *-*) ;; *) fail "100 MiB was not a multipart upload (ETag $etag)" ;; esac

# awkward keys
i=0
for k in "with space.txt" "ünï/cödé 日本.csv" "plus+sign" "100%.txt" "what?.txt" "hash#tag" "dir/" "a+b %3F/c d"; do
	i=$((i + 1))
	printf 'key %s\n' "$k" >"$T/up/k$i"
	if [ "${k%/}" != "$k" ]; then	# aws s3 cp takes "dir/" for a folder: use s3api
		a s3api put-object --bucket e2e-aws --key "keys/$k" --body "$T/up/k$i" >/dev/null || fail "put '$k'"
		a s3api get-object --bucket e2e-aws --key "keys/$k" "$T/down/k$i" >/dev/null || fail "get '$k'"
	else
		a s3 cp --quiet "$T/up/k$i" "s3://e2e-aws/keys/$k" || fail "cp up '$k'"
		a s3 cp --quiet "s3://e2e-aws/keys/$k" "$T/down/k$i" || fail "cp down '$k'"
	fi
	cmp -s "$T/up/k$i" "$T/down/k$i" || fail "'$k' differs"
done
n=$(a s3api list-objects-v2 --bucket e2e-aws --prefix keys/ --query 'length(Contents)' --output text)
[ "$n" = 8 ] || fail "expected 8 awkward keys, listed $n"
a s3api list-objects-v2 --bucket e2e-aws --prefix keys/ --query 'Contents[].Key' --output text |
	tr '\t' '\n' >"$T/keys"
LC_ALL=C sort -c "$T/keys" || fail "keys not in byte order: $(cat "$T/keys")"
grep -qx 'keys/ünï/cödé 日本.csv' "$T/keys" || fail "unicode key listed as: $(cat "$T/keys")"

# paging through 2,000 seeded objects, 20 per request, 50 per page
a s3api list-objects-v2 --bucket projet-demo --prefix logs/events/ --max-items 50 --page-size 20 >"$T/p1" || fail "page 1"
[ "$(jq '.Contents | length' "$T/p1")" = 50 ] || fail "page 1 size"
tok=$(jq -r .NextToken "$T/p1")
[ -n "$tok" ] && [ "$tok" != null ] || fail "no NextToken"
a s3api list-objects-v2 --bucket projet-demo --prefix logs/events/ --max-items 50 --page-size 20 \
	--starting-token "$tok" >"$T/p2" || fail "page 2"
[ "$(jq -r '.Contents[0].Key' "$T/p2")" = logs/events/event-00050.json ] || fail "page 2 starts at $(jq -r '.Contents[0].Key' "$T/p2")"
total=$(a s3api list-objects-v2 --bucket projet-demo --prefix logs/events/ --page-size 300 --query 'length(Contents)')
[ "$total" = 2000 ] || fail "listed $total of 2000"
a s3api list-objects-v2 --bucket projet-demo --delimiter / --query 'CommonPrefixes[].Prefix' --output text | grep -q 'logs/' ||
	fail "no common prefixes"

# multipart, call by call
id=$(a s3api create-multipart-upload --bucket e2e-aws --key mp/joined --query UploadId --output text) || fail "create"
head -c $((5 * 1024 * 1024)) "$T/up/hundred" >"$T/part1"
tail -c 1000 "$T/up/hundred" >"$T/part2"
e1=$(a s3api upload-part --bucket e2e-aws --key mp/joined --upload-id "$id" --part-number 1 --body "$T/part1" --query ETag --output text) || fail "part 1"
e2=$(a s3api upload-part --bucket e2e-aws --key mp/joined --upload-id "$id" --part-number 2 --body "$T/part2" --query ETag --output text) || fail "part 2"
[ "$(a s3api list-parts --bucket e2e-aws --key mp/joined --upload-id "$id" --query 'length(Parts)')" = 2 ] || fail "list-parts"
a s3api list-multipart-uploads --bucket e2e-aws --query 'Uploads[].UploadId' --output text | grep -q "$id" || fail "list-multipart-uploads"
# out of order: refused
printf '{"Parts":[{"PartNumber":2,"ETag":%s},{"PartNumber":1,"ETag":%s}]}' "$e2" "$e1" >"$T/bad.json"
a s3api complete-multipart-upload --bucket e2e-aws --key mp/joined --upload-id "$id" \
	--multipart-upload "file://$T/bad.json" 2>"$T/err" && fail "parts out of order accepted"
grep -q InvalidPartOrder "$T/err" || fail "out of order: $(cat "$T/err")"
printf '{"Parts":[{"PartNumber":1,"ETag":%s},{"PartNumber":2,"ETag":%s}]}' "$e1" "$e2" >"$T/good.json"
etag=$(a s3api complete-multipart-upload --bucket e2e-aws --key mp/joined --upload-id "$id" \
	--multipart-upload "file://$T/good.json" --query ETag --output text) || fail "complete"
want=$( (printf '%s' "${e1//\"/}" | xxd -r -p; printf '%s' "${e2//\"/}" | xxd -r -p) | md5sum | cut -d' ' -f1)
[ "$etag" = "\"$want-2\"" ] || fail "multipart ETag $etag, want \"$want-2\""
a s3 cp --quiet s3://e2e-aws/mp/joined "$T/down/joined" || fail "get joined"
[ "$(cat "$T/part1" "$T/part2" | sha256sum)" = "$(sha256sum <"$T/down/joined")" ] || fail "joined differs"
id=$(a s3api create-multipart-upload --bucket e2e-aws --key mp/aborted --query UploadId --output text)
a s3api abort-multipart-upload --bucket e2e-aws --key mp/aborted --upload-id "$id" || fail "abort"
a s3api list-parts --bucket e2e-aws --key mp/aborted --upload-id "$id" 2>"$T/err" && fail "aborted upload still listed"
grep -q NoSuchUpload "$T/err" || fail "after abort: $(cat "$T/err")"

# sync, rm, rb
mkdir -p "$T/tree/a/b"
echo one >"$T/tree/1.txt"; echo two >"$T/tree/a/2.txt"; echo three >"$T/tree/a/b/3.txt"
a s3 sync --quiet "$T/tree" s3://e2e-aws/tree || fail "sync up"
a s3 sync --quiet s3://e2e-aws/tree "$T/tree2" || fail "sync down"
diff -r "$T/tree" "$T/tree2" || fail "sync round trip differs"
a s3 rb s3://e2e-aws 2>"$T/err" && fail "rb of a full bucket worked"
grep -q BucketNotEmpty "$T/err" || fail "rb: $(cat "$T/err")"
a s3 rm --quiet --recursive s3://e2e-aws || fail "rm --recursive"
a s3 rb s3://e2e-aws >/dev/null || fail "rb"
a s3 ls | grep -q e2e-aws && fail "bucket still listed"
ok "sizes to 100 MiB, awkward keys, paging, multipart, sync, rb"
