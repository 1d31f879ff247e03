#!/usr/bin/env bash
# b_s3_transfer.sh: a large object (BENCH_S3_MB, 1024 by default) up and
# down through datalab's client (`datalab s3 cp`), beside `aws s3 cp` and
# curl on a presigned URL, all against one sandbox in the same run; the
# RSS of each transfer sampled every 50 ms (it should stay flat: bytes
# stream from and to disk); and the listing of a 2,000-object prefix.
. "$(dirname "$0")/../tests/e2e/lib.sh"

MB=${BENCH_S3_MB:-1024}
sb_start
aws_s3() { aws --endpoint-url "$DATALAB_S3_ENDPOINT" "$@"; }
DL=$ROOT/bin/datalab

# measure NAME CMD...: runs CMD, samples its RSS; sets SECS, PEAK_KB, MID_KB
measure() {
	local name=$1 start end pid rss n=0
	shift
	local samples=()
	start=$(date +%s%N)
	"$@" >/dev/null 2>"$T/$name.err" &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		rss=$(awk '/^VmRSS/{print $2}' "/proc/$pid/status" 2>/dev/null)
		[ -n "$rss" ] && samples+=("$rss")
		sleep 0.05
	done
	wait "$pid" || { cat "$T/$name.err"; fail "$name failed"; }
	end=$(date +%s%N)
	SECS=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
	n=${#samples[@]}
	PEAK_KB=0
	for rss in "${samples[@]}"; do [ "$rss" -gt "$PEAK_KB" ] && PEAK_KB=$rss; done
	MID_KB=${samples[$((n / 2))]:-0}
	Q1_KB=${samples[$((n / 4))]:-0}
	Q3_KB=${samples[$((n * 3 / 4))]:-0}
}

rate() { awk -v mb="$MB" -v s="$1" 'BEGIN { printf "%.0f", (s > 0 ? mb / s : 0) }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

head -c $((MB * 1024 * 1024)) /dev/urandom >"$T/big.bin"
want=$(sha256sum <"$T/big.bin" | cut -d' ' -f1)

# ---- upload ----
measure dl_up "$DL" s3 cp "$T/big.bin" s3://user-alice/bench-dl.bin --quiet
dl_up=$(rate "$SECS") dl_up_rss="$(mib "$Q1_KB")/$(mib "$MID_KB")/$(mib "$Q3_KB") MiB, peak $(mib "$PEAK_KB") MiB"
measure aws_up aws --endpoint-url "$DATALAB_S3_ENDPOINT" s3 cp "$T/big.bin" s3://user-alice/bench-aws.bin --only-show-errors
aws_up=$(rate "$SECS") aws_up_rss="peak $(mib "$PEAK_KB") MiB"
echo "s3 upload ${MB} MiB, datalab s3 cp: ${dl_up} MiB/s (aws s3 cp: ${aws_up} MiB/s)"
echo "s3 upload RSS at 1/4, 1/2, 3/4, datalab: ${dl_up_rss} (aws: ${aws_up_rss})"

# ---- download ----
measure dl_down "$DL" s3 cp s3://user-alice/bench-dl.bin "$T/down-dl.bin" --quiet
dl_down=$(rate "$SECS") dl_down_rss="$(mib "$Q1_KB")/$(mib "$MID_KB")/$(mib "$Q3_KB") MiB, peak $(mib "$PEAK_KB") MiB"
[ "$(sha256sum <"$T/down-dl.bin" | cut -d' ' -f1)" = "$want" ] || fail "datalab download differs"
rm -f "$T/down-dl.bin"
measure aws_down aws --endpoint-url "$DATALAB_S3_ENDPOINT" s3 cp s3://user-alice/bench-dl.bin "$T/down-aws.bin" --only-show-errors
aws_down=$(rate "$SECS") aws_down_rss="peak $(mib "$PEAK_KB") MiB"
[ "$(sha256sum <"$T/down-aws.bin" | cut -d' ' -f1)" = "$want" ] || fail "aws download differs"
rm -f "$T/down-aws.bin"
url=$("$DL" s3 presign s3://user-alice/bench-dl.bin --expires-in 1h)
measure curl_down curl -sf -o "$T/down-curl.bin" "$url"
curl_down=$(rate "$SECS")
curl_secs=$SECS
# datalab fsyncs before its rename (atomic, durable): the same for curl
measure curl_sync sync "$T/down-curl.bin"
curl_sync=$(rate "$(awk -v a="$curl_secs" -v b="$SECS" 'BEGIN { print a + b }')")
[ "$(sha256sum <"$T/down-curl.bin" | cut -d' ' -f1)" = "$want" ] || fail "curl download differs"
rm -f "$T/down-curl.bin"
echo "s3 download ${MB} MiB, datalab s3 cp: ${dl_down} MiB/s (aws s3 cp: ${aws_down} MiB/s, curl presigned: ${curl_down} MiB/s, curl + fsync: ${curl_sync} MiB/s)"
echo "s3 download RSS at 1/4, 1/2, 3/4, datalab: ${dl_down_rss} (aws: ${aws_down_rss})"

# ---- listing a big prefix (2,000 objects, 2 pages) ----
measure dl_ls "$DL" s3 ls s3://projet-demo/logs/events/
dl_ls=$(awk -v s="$SECS" 'BEGIN { printf "%.0f", s * 1000 }')
n=$("$DL" s3 ls s3://projet-demo/logs/events/ | wc -l)
measure aws_ls aws --endpoint-url "$DATALAB_S3_ENDPOINT" s3 ls s3://projet-demo/logs/events/
aws_ls=$(awk -v s="$SECS" 'BEGIN { printf "%.0f", s * 1000 }')
echo "s3 list ${n} keys, datalab s3 ls: ${dl_ls} ms (aws s3 ls: ${aws_ls} ms)"

"$DL" s3 rm s3://user-alice/bench-dl.bin >/dev/null
aws_s3 s3 rm s3://user-alice/bench-aws.bin >/dev/null
exit 0
