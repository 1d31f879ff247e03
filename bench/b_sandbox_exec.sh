#!/usr/bin/env bash
# b_sandbox_exec.sh: exec through the sandbox against a local pty, in the
# same run: the round trip of one keystroke (median and p99 over 2000),
# and `cat` of a 100 MB file, each through a plain exec (pipes) and an
# exec with a tty (a pty, on the same footing as the peer).  The client
# is a small Python WebSocket client speaking v5.channel.k8s.io
# (kubectl's own start-up would swamp a round trip); the peer is the same
# Python reading a local pty.  Prints "figure: value unit" lines.
set -u
cd "$(dirname "$0")/.." || exit 1
T=$(mktemp -d)
SB=
cleanup() { [ -n "$SB" ] && kill "$SB" 2>/dev/null && wait "$SB" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
bin/datalab-sandbox --dir "$T/sb" --port 0 --no-s3 --no-fsync >"$T/log" 2>&1 &
SB=$!
for _ in $(seq 200); do [ -f "$T/sb/ready" ] && break; sleep 0.05; done
[ -f "$T/sb/ready" ] || { cat "$T/log"; exit 1; }
export KUBECONFIG=$T/sb/kubeconfig
kubectl -n default run bench --image=busybox --restart=Never >/dev/null
for _ in $(seq 100); do
	kubectl -n default get pod bench --no-headers 2>/dev/null | grep -q Running && break
	sleep 0.1
done
SERVER=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
TOKEN=$(kubectl config view --minify --raw -o jsonpath='{.users[0].user.token}')
BIG=$T/big
head -c 100000000 /dev/zero >"$BIG"
export SERVER TOKEN BIG
python3 - <<'PY'
import base64, os, pty, select, socket, statistics, struct, time, urllib.parse

server = os.environ["SERVER"].replace("http://", "")
host, port = server.split(":")
token = os.environ["TOKEN"]
BIG = os.environ["BIG"]

def ws(cmd, tty):
    q = "&".join("command=" + urllib.parse.quote(c) for c in cmd)
    path = "/api/v1/namespaces/default/pods/bench/exec?%s&stdin=true&stdout=true&tty=%s" % (
        q, "true" if tty else "false")
    s = socket.create_connection((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    req = ("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\n"
           "Sec-WebSocket-Protocol: v5.channel.k8s.io\r\nAuthorization: Bearer %s\r\n\r\n"
           % (path, server, key, token))
    s.sendall(req.encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    assert b" 101 " in head.split(b"\r\n")[0], head
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s

def send(s, data):
    mask = os.urandom(4)
    n = len(data)
    hdr = bytes([0x82]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack(">H", n))
    s.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

class Reader:
    def __init__(self, s):
        self.s, self.buf = s, b""
    def need(self, n):
        while len(self.buf) < n:
            d = self.s.recv(1 << 20)
            if not d:
                raise EOFError
            self.buf += d
    def frame(self):
        self.need(2)
        op, ln = self.buf[0] & 15, self.buf[1] & 127
        off = 2
        if ln == 126:
            self.need(4); ln = struct.unpack(">H", self.buf[2:4])[0]; off = 4
        elif ln == 127:
            self.need(10); ln = struct.unpack(">Q", self.buf[2:10])[0]; off = 10
        self.need(off + ln)
        p, self.buf = self.buf[off:off + ln], self.buf[off + ln:]
        return op, p

def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * q))]

N = 2000

def exec_rtt(cmd, tty):
    """round trips of one byte through exec: stdin channel 0 -> channel 1"""
    s = ws(cmd, tty)
    r = Reader(s)
    lat = []
    for i in range(N):
        t = time.perf_counter()
        send(s, b"\x00x")
        got = 0
        while got < 1:
            op, p = r.frame()
            if op == 2 and p[:1] == b"\x01":
                got += len(p) - 1
        lat.append((time.perf_counter() - t) * 1e6)
    s.close()
    return lat

lat = exec_rtt(["cat"], False)
tlat = exec_rtt(["sh", "-c", "stty raw -echo; exec cat"], True)
# the peer: a local pty running cat
pid, fd = pty.fork()
if pid == 0:
    os.execvp("sh", ["sh", "-c", "stty raw -echo; exec cat"])
time.sleep(0.2)
plat = []
for i in range(N):
    t = time.perf_counter()
    os.write(fd, b"x")
    os.read(fd, 1)
    plat.append((time.perf_counter() - t) * 1e6)
os.kill(pid, 9); os.waitpid(pid, 0); os.close(fd)
print("exec round trip median: %.0f us, with a tty: %.0f us (local pty: %.0f us)"
      % (statistics.median(lat), statistics.median(tlat), statistics.median(plat)))
print("exec round trip p99: %.0f us, with a tty: %.0f us (local pty: %.0f us)"
      % (pct(lat, 0.99), pct(tlat, 0.99), pct(plat, 0.99)))

SIZE = 100_000_000

def exec_out(cmd, tty):
    """bytes and seconds of an exec's output on channel 1 until it ends"""
    s = ws(cmd, tty)
    r = Reader(s)
    t = time.perf_counter()
    got = 0
    while True:
        op, p = r.frame()
        if op == 2 and p[:1] == b"\x01":
            got += len(p) - 1
        elif op == 2 and p[:1] == b"\x03" or op == 8:
            break
    el = time.perf_counter() - t
    s.close()
    return got, el

# cat of a 100 MB file (the sandbox's pod processes see the host's
# files), without and with a tty; the peer cats it in a local pty
got, el = exec_out(["cat", BIG], False)
tgot, tel = exec_out(["sh", "-c", "stty raw -echo; exec cat " + BIG], True)
pid, fd = pty.fork()
if pid == 0:
    os.execvp("sh", ["sh", "-c", "stty raw -echo; exec cat " + BIG])
t = time.perf_counter()
pgot = 0
while True:
    try:
        d = os.read(fd, 1 << 20)
    except OSError:
        break
    if not d:
        break
    pgot += len(d)
pel = time.perf_counter() - t
os.waitpid(pid, 0)
print("exec throughput, cat of 100 MB: %.0f MB/s, with a tty: %.0f MB/s (local pty: %.0f MB/s)"
      % (got / el / 1e6, tgot / tel / 1e6, pgot / pel / 1e6))
assert got == SIZE, got
assert tgot == SIZE, tgot
PY
