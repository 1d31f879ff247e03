#!/usr/bin/env bash
# b_s3d_chunked.sh: the sandbox's S3 taking a 200 MiB PUT as
# STREAMING-AWS4-HMAC-SHA256-PAYLOAD (signed aws-chunked, as the Java and Go
# SDKs send it; no CLI here does) in 64 KiB and in 8 MiB chunks, the second
# with a signed CRC32 trailer, beside its peer in the same run: the same
# file as one presigned PUT by curl (UNSIGNED-PAYLOAD, nothing to verify
# per chunk).  For each: the sandbox's peak RSS during the transfer above
# its RSS before (VmHWM, reset through /proc/PID/clear_refs) and MiB/s.
# The signing client is python3 (hashlib/hmac), streaming from the file.
# Prints "name: value unit" lines.  SIZE_MB shrinks it.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PATH=$ROOT/bin:$PATH
SIZE_MB=${SIZE_MB:-200}
W=$(mktemp -d "${TMPDIR:-/tmp}/dl-bench-s3dc.XXXXXX")
PID=
trap '[ -n "$PID" ] && { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; }; rm -rf "$W"' EXIT
unset AWS_CA_BUNDLE

now() { date +%s%N; }
rate() { awk -v mb="$1" -v ns="$2" 'BEGIN { printf "%.0f", mb / (ns / 1e9) }'; }
kb() { awk -v f="$2" '$1 == f":" { print $2 }' "/proc/$1/status"; }

datalab-sandbox --dir "$W/sb" --port 0 --s3-port 0 >"$W/sb.log" 2>&1 &
PID=$!
end=$(($(date +%s) + 30))
until [ -f "$W/sb/ready" ] && [ -f "$W/sb/s3.env" ]; do
	[ "$(date +%s)" -lt "$end" ] || { echo "sandbox did not start"; cat "$W/sb.log"; exit 1; }
	sleep 0.05
done
# shellcheck disable=SC1091
. "$W/sb/s3.env"
curl -s -o /dev/null "$DATALAB_S3_ENDPOINT/" || true
head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom >"$W/big"

# put_signed CHUNK_BYTES TRAILER(0|1) KEY: one signed streaming PUT; prints the HTTP status
put_signed() {
	python3 - "$W/big" "$@" <<'PY'
import datetime, hashlib, hmac, http.client, os, sys, urllib.parse, zlib, base64
path, chunk, trailer, key = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4]
ep = urllib.parse.urlparse(os.environ["DATALAB_S3_ENDPOINT"])
ak, sk = os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]
region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
size = os.path.getsize(path)
now = datetime.datetime.now(datetime.timezone.utc)
date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
scope = f"{day}/{region}/s3/aws4_request"
mode = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" + ("-TRAILER" if trailer else "")
sha = lambda b: hashlib.sha256(b).hexdigest()
mac = lambda k, m: hmac.new(k, m.encode(), hashlib.sha256).digest()
skey = mac(mac(mac(mac(("AWS4" + sk).encode(), day), region), "s3"), "aws4_request")
# body length: chunk lines, data, CRLFs, the final chunk, the trailer
def framing(n):
    return len(f"{n:x};chunk-signature=") + 64 + 2 + n + (2 if n else 0)
full, rest = divmod(size, chunk)
length = full * framing(chunk) + (framing(rest) if rest else 0) + framing(0)
tlen = len("x-amz-checksum-crc32:") + 8 + 2 + len("x-amz-trailer-signature:") + 64 + 2 if trailer else 0
length += tlen + 2
uri = "/user-alice/" + urllib.parse.quote(key)
hdrs = {"content-encoding": "aws-chunked", "content-length": str(length), "host": ep.netloc,
        "x-amz-content-sha256": mode, "x-amz-date": date, "x-amz-decoded-content-length": str(size)}
if trailer:
    hdrs["x-amz-trailer"] = "x-amz-checksum-crc32"
names = sorted(hdrs)
creq = "\n".join(["PUT", uri, "", "".join(f"{n}:{hdrs[n]}\n" for n in names), ";".join(names), mode])
seed = hmac.new(skey, "\n".join(["AWS4-HMAC-SHA256", date, scope, sha(creq.encode())]).encode(), hashlib.sha256).hexdigest()
def body():
    prev, crc = seed, 0
    with open(path, "rb") as f:
        while True:
            d = f.read(chunk)
            crc = zlib.crc32(d, crc)
            sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", date, scope, prev, sha(b""), sha(d)])
            prev = hmac.new(skey, sts.encode(), hashlib.sha256).hexdigest()
            yield f"{len(d):x};chunk-signature={prev}\r\n".encode() + d + (b"\r\n" if d else b"")
            if not d:
                break
    if trailer:
        canon = "x-amz-checksum-crc32:" + base64.b64encode(crc.to_bytes(4, "big")).decode() + "\n"
        sts = "\n".join(["AWS4-HMAC-SHA256-TRAILER", date, scope, prev, sha(canon.encode())])
        tsig = hmac.new(skey, sts.encode(), hashlib.sha256).hexdigest()
        yield canon.replace("\n", "\r\n").encode() + f"x-amz-trailer-signature:{tsig}\r\n".encode()
    yield b"\r\n"
auth = f"AWS4-HMAC-SHA256 Credential={ak}/{scope}, SignedHeaders={';'.join(names)}, Signature={seed}"
c = http.client.HTTPConnection(ep.hostname, ep.port)
c.putrequest("PUT", uri, skip_host=True, skip_accept_encoding=True)
for n in names:
    c.putheader(n, hdrs[n])
c.putheader("Authorization", auth)
c.endheaders()
for b in body():
    c.send(b)
r = c.getresponse()
print(r.status)
if r.status != 200:
    sys.stderr.write(r.read().decode()[:300] + "\n")
PY
}

presign() {	# presign KEY: a SigV4 PUT URL valid one hour
	python3 - "$@" <<'PY'
import os, sys, botocore.session
from botocore.config import Config
c = botocore.session.get_session().create_client("s3", endpoint_url=os.environ["DATALAB_S3_ENDPOINT"],
	config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
print(c.generate_presigned_url("put_object", Params={"Bucket": "user-alice", "Key": sys.argv[1]}, ExpiresIn=3600))
PY
}

# measure NAME CMD...: runs CMD (it prints the HTTP status); sets the
# variables NAME_rate and NAME_rss (peak minus before, in MiB)
measure() {
	local name=$1 before code t0 t1
	shift
	sync
	echo 5 >"/proc/$PID/clear_refs"
	before=$(kb "$PID" VmRSS)
	t0=$(now); code=$("$@"); t1=$(now)
	[ "$code" = 200 ] || echo "   ($name answered $code)"
	printf -v "${name}_rate" %s "$(rate "$SIZE_MB" $((t1 - t0)))"
	printf -v "${name}_rss" %s "$(awk -v a="$(kb "$PID" VmHWM)" -v b="$before" 'BEGIN { printf "%.1f", (a - b) / 1024 }')"
}

curl_put() { curl -s -o /dev/null -w '%{http_code}' -T "$W/big" "$(presign bench/curl)"; }

measure s64k put_signed 65536 0 bench/signed64k
measure s8m put_signed $((8 << 20)) 1 bench/signed8m
measure curl curl_put

echo "put $SIZE_MB MiB as signed 64 KiB chunks: sandbox peak rss +${s64k_rss} MiB, ${s64k_rate} MiB/s (curl presigned unsigned PUT: +${curl_rss} MiB, ${curl_rate} MiB/s)"
echo "put $SIZE_MB MiB as signed 8 MiB chunks + signed trailer: sandbox peak rss +${s8m_rss} MiB, ${s8m_rate} MiB/s (curl presigned unsigned PUT: +${curl_rss} MiB, ${curl_rate} MiB/s)"
