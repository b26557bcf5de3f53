#!/usr/bin/env python3
"""short_client.py PORT N: N HTTP/1.1 requests to 127.0.0.1:PORT, each on a new connection that the
server closes (Connection: close). Prints "ok <n> errors <n>"; exits 1 unless all N were answered 200."""
import socket
import sys
import time

port, n = int(sys.argv[1]), int(sys.argv[2])
ok = errors = 0
for i in range(n):
    for attempt in range(50):  # connect may fail for a moment while all 4 local ports are in use
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            break
        except OSError:
            time.sleep(0.01)
    else:
        errors += 1
        continue
    with s:
        s.sendall(b"GET /index.html?r=%d HTTP/1.1\r\nHost: reuse\r\nConnection: close\r\n\r\n" % i)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    if data.startswith(b"HTTP/1.0 200") or data.startswith(b"HTTP/1.1 200"):
        ok += 1
    else:
        errors += 1
print(f"ok {ok} errors {errors}", flush=True)
sys.exit(0 if ok == n else 1)
