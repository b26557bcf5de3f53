#!/usr/bin/env python3
"""memcached text-protocol traffic on one connection, each command waiting for its reply.

Usage: memcached_client.py PORT
  set a / set b, get a b (two items), get missing, delete a, incr b (CLIENT_ERROR: not a number),
  set c noreply (no reply), meta: ms d / mg d v / md d / mn, then a quiet pipeline: mg x q, mg d q, mn.
"""
import socket
import sys


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise SystemExit("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def until(self, last):
        lines = []
        while True:
            line = self.line()
            lines.append(line)
            if line == last:
                return lines


c = Conn(int(sys.argv[1]))
c.send(b"set a 0 0 5\r\nhello\r\n"); assert c.line() == b"STORED"
c.send(b"set b 0 0 3\r\nabc\r\n"); assert c.line() == b"STORED"
c.send(b"get a b\r\n"); assert len(c.until(b"END")) == 5
c.send(b"get missing\r\n"); assert c.line() == b"END"
c.send(b"delete a\r\n"); assert c.line() == b"DELETED"
c.send(b"incr b 1\r\n"); assert c.line().startswith(b"CLIENT_ERROR")
c.send(b"set c 0 0 1 noreply\r\nx\r\n")
c.send(b"ms d 2 T60\r\nhi\r\n"); assert c.line().startswith(b"HD")
c.send(b"mg d v\r\n"); assert c.line().startswith(b"VA 2"); assert c.line() == b"hi"
c.send(b"md d\r\n"); assert c.line().startswith(b"HD")
c.send(b"mn\r\n"); assert c.line() == b"MN"
c.send(b"ms e 1 q\r\nz\r\nmg x v q\r\nmg e v q\r\nmn\r\n")
lines = c.until(b"MN")
assert lines[0].startswith(b"VA 1"), lines
print("memcached_client: done")
