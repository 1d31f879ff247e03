#!/usr/bin/env python3
# faultproxy.py UPSTREAM PORTFILE FAULTS: an HTTP proxy in front of the real
# sandbox that injects faults on request, for tests/e2e/t_clients_faults.sh.
#
# It forwards every request to UPSTREAM (http://127.0.0.1:PORT) and streams
# the answer back, except when a line of the FAULTS file (JSON, one fault a
# line, re-read on every request) matches: {"match": "substring of the
# path", "count": N, "do": ACTION, ...}.  Actions:
#   status       answer "status" (and "retry_after") with a Status body
#   gone_event   a watch: one ERROR 410 event line, then the stream ends
#   drop         forward, but cut the connection after "bytes" bytes
#   prepend      a watch: send "lines" (list of strings) first, then forward
#   big_event    a watch: one MODIFIED event of "mb" megabytes first
# and with any forwarding action, "bytes": N cuts the stream after N bytes
# from upstream (so the client watches again and the next fault applies).
#   stall        accept, send the headers of a watch, then nothing for "s" s
#   churn        a watch: nothing until the file "go" exists, then MODIFIED
#                events for the pods upstream lists at that path, "rate" a
#                second for "s" seconds, each giving a pod one more restart
#                (a steady churn the sandbox cannot write that fast); then
#                the stream ends
# A fault applies "count" times (default 1); the port is written to PORTFILE.
import http.client
import http.server
import json
import os
import sys
import threading
import time
import urllib.parse

UPSTREAM = urllib.parse.urlparse(sys.argv[1])
PORTFILE = sys.argv[2]
FAULTS = sys.argv[3]
lock = threading.Lock()
used = {}


def take_fault(path):
    try:
        with open(FAULTS) as f:
            lines = [l for l in f if l.strip()]
    except OSError:
        return None
    with lock:
        for i, line in enumerate(lines):
            fault = json.loads(line)
            if fault.get("match", "") not in path:
                continue
            if used.get(i, 0) >= fault.get("count", 1):
                continue
            used[i] = used.get(i, 0) + 1
            return fault
    return None


def status_body(code, reason, message):
    return json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                       "message": message, "reason": reason, "code": code}).encode()


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def chunk(self, data):
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

    def start_stream(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        fault = take_fault(self.path)
        act = fault.get("do") if fault else None
        if act == "status":
            code = fault.get("status", 500)
            data = status_body(code, fault.get("reason", "InternalError"), fault.get("message", "injected"))
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if "retry_after" in fault:
                self.send_header("Retry-After", str(fault["retry_after"]))
            self.end_headers()
            self.wfile.write(data)
            return
        if act == "gone_event":
            self.start_stream()
            ev = {"type": "ERROR", "object": json.loads(status_body(410, "Expired", "too old resource version: 1 (2)"))}
            self.chunk(json.dumps(ev).encode() + b"\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        if act == "churn":
            self.churn(fault)
            return
        if act == "stall":
            self.start_stream()
            time.sleep(fault.get("s", 5))
            self.close_connection = True
            return
        conn = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=600)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("transfer-encoding", "content-length", "connection"):
                self.send_header(k, v)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if act == "prepend":
            for line in fault.get("lines", []):
                self.chunk(line.encode() + b"\n")
        if act == "big_event":
            pad = "x" * (fault.get("mb", 50) * 1024 * 1024)
            ev = {"type": "MODIFIED", "object": {"kind": "Pod", "apiVersion": "v1", "metadata": {
                "name": fault.get("name", "big"), "namespace": fault.get("ns", "user-alice"),
                "resourceVersion": "1", "annotations": {"pad": pad}}, "status": {"phase": "Pending"}}}
            self.chunk(json.dumps(ev).encode() + b"\n")
        sent = 0
        limit = fault.get("bytes", -1) if fault else -1
        if limit == 0:
            self.close_connection = True
            conn.close()
            return      # cut right after what was injected
        try:
            while True:
                data = resp.read1(65536)
                if not data:
                    break
                if limit >= 0 and sent + len(data) > limit:
                    self.chunk(data[:max(0, limit - sent)])
                    self.close_connection = True
                    return      # no final chunk: the stream is cut
                self.chunk(data)
                sent += len(data)
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        finally:
            conn.close()

    def churn(self, fault):
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        conn = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=600)
        conn.request("GET", self.path.split("?")[0], headers=headers)
        listed = json.loads(conn.getresponse().read())
        conn.close()
        pods = listed.get("items") or []
        rv = int(listed.get("metadata", {}).get("resourceVersion", "1"))
        self.start_stream()
        while not os.path.exists(fault["go"]):
            time.sleep(0.05)
        rate, n, t0 = fault.get("rate", 300), 0, time.time()
        try:
            while pods and time.time() < t0 + fault.get("s", 20):
                wait = t0 + n / rate - time.time()
                if wait > 0:
                    time.sleep(wait)
                pod = pods[n % len(pods)]
                cs = pod.setdefault("status", {}).setdefault("containerStatuses", [{}])
                cs[0]["restartCount"] = cs[0].get("restartCount", 0) + 1
                n += 1
                pod["metadata"]["resourceVersion"] = str(rv + n)
                self.chunk(json.dumps({"type": "MODIFIED", "object": pod}).encode() + b"\n")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


srv = Server(("127.0.0.1", 0), Proxy)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()
