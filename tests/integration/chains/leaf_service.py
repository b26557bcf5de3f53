#!/usr/bin/env python3
"""Leaf service B of the chain tests: answers GET /r/<id> (threads, keep-alive) and logs the request.
Usage: leaf_service.py HOST PORT TRUTH_LOG   (HOST with a colon: IPv6)"""
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from truth_log import TruthLog


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path.startswith("/r/"):
            TRUTH.log(self.path[3:], [])
        body = b"leaf"
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
    host, port, truth = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    TRUTH = TruthLog(truth, "leaf")
    if ":" in host:
        Server.address_family = socket.AF_INET6
    Server((host, port), Handler).serve_forever()
