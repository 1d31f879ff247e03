#!/usr/bin/env bash
# t_s3d_crash.sh: kill -9 of the sandbox in the middle of uploads (single
# PUTs overwriting keys, and a multipart upload), four times over.  After
# each restart every key holds its last acknowledged version or a version
# sent after it, whole (sha256), never a torn one; no acknowledged object
# is lost; the temp area is emptied.
. "$(dirname "$0")/lib.sh"
unset AWS_CA_BUNDLE
sb_start
KEYS=6
ROUNDS=4
log=$T/log		# "<seq> attempt|ack <key> <sha256>", appended by the writers
: >"$log"
sig() { curl -s --aws-sigv4 "aws:amz:us-east-1:s3" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
	-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"; }

# writer KEY ROUND: PUT fresh versions of one key until the server dies
writer() {
	local key=$1 round=$2 n=0 f sha
	while :; do
		n=$((n + 1))
		f=$T/v-$key-$round-$n
		head -c $((3 * 1024 * 1024 + n)) /dev/urandom >"$f"
		sha=$(sha256sum <"$f" | cut -d' ' -f1)
		echo "$(date +%s%N) attempt $key $sha" >>"$log"
		if [ "$(sig -o /dev/null -w '%{http_code}' --limit-rate 8M -T "$f" "$DATALAB_S3_ENDPOINT/user-alice/crash/$key")" = 200 ]; then
			echo "$(date +%s%N) ack $key $sha" >>"$log"
		else
			rm -f "$f"
			return
		fi
		rm -f "$f"
	done
}

# check: every key holds its last acked version or a later attempt
check() {
	local key allowed got
	for k in $(seq $KEYS) big; do
		key=k$k
		[ "$k" = big ] && key=big
		allowed=$(sort -n "$log" | awk -v k="$key" '
			$3 == k && $2 == "ack" { last = $4; n = split("", later) ; acked = 1; next }
			$3 == k && $2 == "attempt" { later[++n] = $4 }
			END { if (acked) print last; else print "absent"; for (i = 1; i <= n; i++) print later[i] }')
		if sig -o "$T/got" -f "$DATALAB_S3_ENDPOINT/user-alice/crash/$key"; then
			got=$(sha256sum <"$T/got" | cut -d' ' -f1)
		else
			got=absent
		fi
		grep -qx "$got" <<<"$allowed" || fail "round $1: $key holds $got, not its last acknowledged version nor a later one"
	done
}

head -c $((40 * 1024 * 1024)) /dev/urandom >"$T/big"
for round in $(seq $ROUNDS); do
	pids=()
	for k in $(seq $KEYS); do
		writer "k$k" "$round" &
		pids+=($!)
	done
	if command -v aws >/dev/null; then
		cp "$T/big" "$T/big-$round" && printf 'r%d' "$round" >>"$T/big-$round"
		sha=$(sha256sum <"$T/big-$round" | cut -d' ' -f1)
		(echo "$(date +%s%N) attempt big $sha" >>"$log"
		 aws --endpoint-url "$DATALAB_S3_ENDPOINT" s3 cp --quiet "$T/big-$round" s3://user-alice/crash/big 2>/dev/null &&
			echo "$(date +%s%N) ack big $sha" >>"$log") &
		pids+=($!)
	fi
	# kill once uploads are in flight: temp files exist, and some were acknowledged
	WAIT=30 wait_cmd bash -c "[ \$(grep -c ' ack ' '$log') -ge $((round * 3)) ] && ls '$T/sb/s3/.s3d/tmp' | grep -q ." ||
		fail "round $round: uploads did not start"
	kill -9 "$SB_PID"
	wait "$SB_PID" 2>/dev/null
	SB_PID=
	wait "${pids[@]}" 2>/dev/null
	rm -f "$T/sb/ready"	# a killed sandbox leaves its old one
	sb_start
	check "$round"
	[ -z "$(ls "$T/sb/s3/.s3d/tmp")" ] || fail "round $round: temp files left after restart: $(ls "$T/sb/s3/.s3d/tmp")"
done
acks=$(grep -c ' ack ' "$log")
ok "$ROUNDS kills mid-upload, $acks acknowledged uploads, none lost or torn"
