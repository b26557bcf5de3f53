#!/usr/bin/env python3
"""reset_then_ok.py PORT N: a server on 127.0.0.1:PORT that waits 5 ms after each accept before reading,
and a client that N times (a) sends GET /cut<i> and resets the connection (SO_LINGER 0) before the server
read it, then (b) sends GET /ok<i> on a new connection and reads the answer. The server reads the cut
request after its socket reached CLOSE. Exits 1 unless every /ok request got its 200."""
import socket
import struct
import sys
import threading
import time

port, n = int(sys.argv[1]), int(sys.argv[2])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(64)


def serve():
    while True:
        c, _ = srv.accept()
        time.sleep(0.005)
        try:
            if c.recv(65536).startswith(b"GET /ok"):
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        except OSError:
            pass
        c.close()


threading.Thread(target=serve, daemon=True).start()
ok = 0
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /cut%d HTTP/1.1\r\nHost: x\r\n\r\n" % i)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"GET /ok%d HTTP/1.1\r\nHost: x\r\n\r\n" % i)
        ok += s.recv(100).startswith(b"HTTP/1.1 200")
    time.sleep(0.002)
print(f"ok {ok} of {n}", flush=True)
sys.exit(0 if ok == n else 1)
