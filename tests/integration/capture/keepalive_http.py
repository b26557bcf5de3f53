#!/usr/bin/env python3
"""Helpers for test_capture_smoke.sh (standard library only).

  keepalive_http.py server PORT          HTTP/1.1 keep-alive server on 127.0.0.1:PORT (answers "ok <path>")
  keepalive_http.py client PORT GO READY one connection: GET /first, create READY, wait for GO to exist,
                                         GET /second on the SAME connection; exit 0 if both were 200 and
                                         the connection was not reopened.
  keepalive_http.py burst PORT N GAP_MS  one connection, N requests GET /burst/<i>, GAP_MS apart.

The server sends the body of GET /sendfile with sendfile(2) from a file (the head with write(2)).
"""
import http.client
import http.server
import os
import sys
import tempfile
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path == "/sendfile":
            with tempfile.TemporaryFile() as f:
                f.write(b"sent with sendfile\n" * 64)
                size = f.tell()
                f.seek(0)
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(size))
                self.end_headers()
                os.sendfile(self.connection.fileno(), f.fileno(), 0, size)
            return
        body = f"ok {self.path}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve(port):
    http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def client(port, go, ready):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for path in ("/first", "/second"):
        if path == "/second":
            open(ready, "w").close()
            deadline = time.time() + 60
            while not os.path.exists(go):
                if time.time() > deadline:
                    sys.exit("keepalive client: no go signal within 60s")
                time.sleep(0.05)
            if conn.sock is None or conn.sock.getsockname() != first_local:
                sys.exit("keepalive client: connection was reopened")
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200 or resp.will_close:
            sys.exit(f"keepalive client: {path}: status {resp.status}, will_close {resp.will_close}")
        if path == "/first":
            first_local = conn.sock.getsockname()
        print(f"{path} {body!r} local={conn.sock.getsockname()}", flush=True)


def burst(port, n, gap_ms):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for i in range(n):
        conn.request("GET", f"/burst/{i}")
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            sys.exit(f"burst client: status {resp.status}")
        time.sleep(gap_ms / 1000.0)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "server":
        serve(int(sys.argv[2]))
    elif len(sys.argv) == 5 and sys.argv[1] == "client":
        client(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 5 and sys.argv[1] == "burst":
        burst(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit(__doc__)
