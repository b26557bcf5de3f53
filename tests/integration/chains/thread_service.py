#!/usr/bin/env python3
"""Service A, thread per request: the thread that read GET /r/<id> calls the leaf twice, one after the
other, with ids derived from <id> (one keep-alive connection per thread), then answers.
Usage: thread_service.py HOST PORT LEAF_URL TRUTH_LOG   (HOST with a colon: IPv6)"""
import http.client
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from truth_log import TruthLog, child_id

LOCAL = threading.local()


def call(ident):
    conn = getattr(LOCAL, "conn", None)
    if conn is None:
        conn = LOCAL.conn = http.client.HTTPConnection(LEAF.hostname, LEAF.port, timeout=20)
    conn.request("GET", f"/r/{ident}")
    resp = conn.getresponse()
    resp.read()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path.startswith("/r/"):
            received = self.path[3:]
            ids = [child_id(received, i) for i in range(2)]
            for i in ids:
                call(i)
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
    TRUTH = TruthLog(truth, "thread")
    if ":" in host:
        Server.address_family = socket.AF_INET6
    Server((host, port), Handler).serve_forever()
