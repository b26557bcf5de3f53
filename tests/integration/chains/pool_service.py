#!/usr/bin/env python3
"""Service A handing work to a ThreadPoolExecutor: the thread that read GET /r/<id> submits the two
downstream calls (ids derived from <id>) to a pool of worker threads and waits for them, then answers.
Usage: pool_service.py HOST PORT LEAF_URL TRUTH_LOG"""
import http.client
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from truth_log import TruthLog, child_id

LOCAL = threading.local()


def call(ident):
    conn = getattr(LOCAL, "conn", None)  # one keep-alive connection per worker thread
    if conn is None:
        conn = LOCAL.conn = http.client.HTTPConnection(LEAF.hostname, LEAF.port, timeout=20)
    conn.request("GET", f"/r/{ident}")
    resp = conn.getresponse()
    resp.read()
    return resp.status


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path.startswith("/r/"):
            received = self.path[3:]
            ids = [child_id(received, i) for i in range(2)]
            for f in [POOL.submit(call, i) for i in ids]:
                f.result()
            TRUTH.log(received, ids)
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


if __name__ == "__main__":
    host, port, LEAF, truth = sys.argv[1], int(sys.argv[2]), urlsplit(sys.argv[3]), sys.argv[4]
    TRUTH = TruthLog(truth, "pool")
    POOL = ThreadPoolExecutor(max_workers=8)
    Server((host, port), Handler).serve_forever()
