#!/usr/bin/env bash
# b_s3d_transfer.sh: the sandbox's S3 moving 1 GiB and listing 100,000
# keys, beside its peers in the same run:
#   PUT/GET of a 1 GiB object with curl (presigned SigV4 URLs) vs cp of the
#   same file on the same disk (the physical limit) vs aws s3 cp vs rclone;
#   the sandbox's RSS before, at its peak and after those transfers;
#   LIST of a 100,000-object prefix in pages of 1,000 with curl vs aws vs
#   rclone (that sandbox keeps its data in /dev/shm, so creating 100,000
#   objects measures the server rather than the disk's inode allocator).
# Prints "name: value unit" lines.  SIZE_MB and LIST_N shrink it.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PATH=$ROOT/bin:$PATH
SIZE_MB=${SIZE_MB:-1024}
LIST_N=${LIST_N:-100000}
W=$(mktemp -d "${TMPDIR:-/tmp}/dl-bench-s3d.XXXXXX")
SHM=$(mktemp -d /dev/shm/dl-bench-s3d.XXXXXX)
SB=
trap 'for p in $SB; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$W" "$SHM"' EXIT
unset AWS_CA_BUNDLE		# plain HTTP; rclone refuses to start with it set

now() { date +%s%N; }
rate() { awk -v mb="$1" -v ns="$2" 'BEGIN { printf "%.0f", mb / (ns / 1e9) }'; }
ms() { awk -v ns="$1" 'BEGIN { printf "%.0f", ns / 1e6 }'; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

# start DIR: a sandbox; sets PID and sources its s3.env
start() {
	mkdir -p "$1"
	datalab-sandbox --dir "$1" --port 0 --s3-port 0 >"$1.log" 2>&1 &
	PID=$!
	SB="$SB $PID"
	local end=$(($(date +%s) + 30))
	until [ -f "$1/ready" ] && [ -f "$1/s3.env" ]; do
		[ "$(date +%s)" -lt "$end" ] || { echo "sandbox did not start"; cat "$1.log"; exit 1; }
		sleep 0.05
	done
	# shellcheck disable=SC1091
	. "$1/s3.env"
	# the first request waits for the sample buckets
	curl -s -o /dev/null "$DATALAB_S3_ENDPOINT/" || true
}

presign() {	# presign METHOD BUCKET KEY: a SigV4 URL valid one hour
	python3 - "$@" <<'PY'
import os, sys, botocore.session
from botocore.config import Config
m, b, k = sys.argv[1:4]
c = botocore.session.get_session().create_client("s3", endpoint_url=os.environ["DATALAB_S3_ENDPOINT"],
	config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
print(c.generate_presigned_url({"PUT": "put_object", "GET": "get_object"}[m], Params={"Bucket": b, "Key": k}, ExpiresIn=3600))
PY
}

# ---- 1 GiB transfers, on disk ----
start "$W/sb"
head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom >"$W/big"
sha=$(sha256sum <"$W/big" | cut -d' ' -f1)
sync
before=$(rss "$PID")
peak=$before
( while kill -0 "$PID" 2>/dev/null; do rss "$PID"; sleep 0.1; done ) >"$W/rss" &
SAMPLER=$!

t0=$(now); cp "$W/big" "$W/big.cp"; t1=$(now)
cp_ms=$((t1 - t0))
t0=$(now); cp "$W/big" "$W/big.cps"; sync "$W/big.cps"; t1=$(now)
cps_ms=$((t1 - t0))
rm -f "$W/big.cp" "$W/big.cps"

put_url=$(presign PUT user-alice bench/big)
get_url=$(presign GET user-alice bench/big)
t0=$(now); code=$(curl -s -o /dev/null -w '%{http_code}' -T "$W/big" "$put_url"); t1=$(now)
[ "$code" = 200 ] || echo "   (curl PUT answered $code)"
cput=$((t1 - t0))
t0=$(now); curl -s -o "$W/big.get" "$get_url"; t1=$(now)
cget=$((t1 - t0))
[ "$(sha256sum <"$W/big.get" | cut -d' ' -f1)" = "$sha" ] || echo "   (curl GET bytes differ)"
rm -f "$W/big.get"
t0=$(now); curl -s -o /dev/null "$get_url"; t1=$(now)
cnull=$((t1 - t0))

if command -v aws >/dev/null; then
	t0=$(now); aws --endpoint-url "$DATALAB_S3_ENDPOINT" s3 cp --quiet "$W/big" s3://user-alice/bench/aws; t1=$(now)
	aput=$((t1 - t0))
	t0=$(now); aws --endpoint-url "$DATALAB_S3_ENDPOINT" s3 cp --quiet s3://user-alice/bench/aws "$W/big.aws"; t1=$(now)
	aget=$((t1 - t0))
	rm -f "$W/big.aws"
fi
if command -v rclone >/dev/null; then
	t0=$(now); rclone --config "$W/sb/rclone.conf" copyto "$W/big" sandbox:user-alice/bench/rclone; t1=$(now)
	rput=$((t1 - t0))
	t0=$(now); rclone --config "$W/sb/rclone.conf" copyto sandbox:user-alice/bench/rclone "$W/big.rc"; t1=$(now)
	rget=$((t1 - t0))
	rm -f "$W/big.rc"
fi
kill "$SAMPLER" 2>/dev/null; wait "$SAMPLER" 2>/dev/null
peak=$(sort -n "$W/rss" | tail -1)
after=$(rss "$PID")
rm -f "$W/big"

echo "put 1 object of $SIZE_MB MiB, curl presigned: $(rate "$SIZE_MB" "$cput") MiB/s (cp on the same disk: $(rate "$SIZE_MB" "$cp_ms") MiB/s, cp + sync: $(rate "$SIZE_MB" "$cps_ms") MiB/s; aws s3 cp: ${aput:+$(rate "$SIZE_MB" "$aput")} MiB/s; rclone: ${rput:+$(rate "$SIZE_MB" "$rput")} MiB/s)"
echo "get 1 object of $SIZE_MB MiB, curl presigned: $(rate "$SIZE_MB" "$cget") MiB/s, to /dev/null: $(rate "$SIZE_MB" "$cnull") MiB/s (cp on the same disk: $(rate "$SIZE_MB" "$cp_ms") MiB/s; aws s3 cp: ${aget:+$(rate "$SIZE_MB" "$aget")} MiB/s; rclone: ${rget:+$(rate "$SIZE_MB" "$rget")} MiB/s)"
echo "sandbox rss while moving $((SIZE_MB * 7)) MiB: before $((before / 1024)) MiB, peak $((peak / 1024)) MiB, after $((after / 1024)) MiB"

# ---- LIST of a 100,000-object prefix, data in RAM ----
start "$SHM/sb"
mkdir -p "$SHM/src"
( cd "$SHM/src" && seq -f 'k%06g' 1 "$LIST_N" | xargs -n 5000 touch )
if command -v rclone >/dev/null; then
	t0=$(now)
	rclone --config "$SHM/sb/rclone.conf" copy --transfers 32 --checkers 32 --s3-no-check-bucket --no-check-dest \
		--s3-no-head "$SHM/src" sandbox:user-alice/many 2>"$W/rclone.log" || { tail -3 "$W/rclone.log"; exit 1; }
	t1=$(now)
	echo "put $LIST_N empty objects, rclone --transfers 32: $(awk -v n="$LIST_N" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", n / (ns / 1e9) }') objects/s"
fi
sig=(--aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD")
list_curl() {
	local tok="" n=0 pages=0 q
	while :; do
		# parameters in sorted order: curl 7.88 signs them as written
		q="list-type=2&max-keys=1000&prefix=many%2F"
		[ -n "$tok" ] && q="continuation-token=$(printf %s "$tok" | jq -sRr @uri)&$q"
		curl -s -w '%{time_total}\n' -o "$W/page" "${sig[@]}" "$DATALAB_S3_ENDPOINT/user-alice?$q" >>"$W/curl.times"
		n=$((n + $(grep -o '<Key>' "$W/page" | wc -l)))
		pages=$((pages + 1))
		tok=$(sed -n 's:.*<NextContinuationToken>\(.*\)</NextContinuationToken>.*:\1:p' "$W/page")
		[ -n "$tok" ] || break
	done
	echo "$n $pages"
}
t0=$(now); read -r n pages < <(list_curl); t1=$(now)
[ "$n" = "$LIST_N" ] || echo "   (curl listed $n of $LIST_N)"
lc=$((t1 - t0))
if command -v aws >/dev/null; then
	t0=$(now)
	an=$(aws --endpoint-url "$DATALAB_S3_ENDPOINT" s3api list-objects-v2 --bucket user-alice --prefix many/ \
		--page-size 1000 --query 'length(Contents)')
	t1=$(now)
	la=$((t1 - t0))
	[ "$an" = "$LIST_N" ] || echo "   (aws listed $an)"
fi
if command -v rclone >/dev/null; then
	t0=$(now); rn=$(rclone --config "$SHM/sb/rclone.conf" lsf sandbox:user-alice/many | wc -l); t1=$(now)
	lr=$((t1 - t0))
	[ "$rn" = "$LIST_N" ] || echo "   (rclone listed $rn)"
fi
# the shell loop starts curl, jq, grep and sed for each page: curl's own
# time_total, summed, is the requests alone
lcr=$(awk '{ s += $1 } END { printf "%.0f", s * 1000 }' "$W/curl.times")
echo "list $LIST_N keys in $pages pages of 1000, curl: $(ms "$lc") ms, $(awk -v ns="$lc" -v p="$pages" 'BEGIN { printf "%.1f", ns / 1e6 / p }') ms/page, of which in curl's requests $lcr ms (aws s3api: ${la:+$(ms "$la")} ms; rclone lsf: ${lr:+$(ms "$lr")} ms)"
