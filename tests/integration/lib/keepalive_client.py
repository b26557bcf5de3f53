#!/usr/bin/env python3
"""Keep-alive client for the attach test: opens connections and uses them before and after the agent starts.

Usage: keepalive_client.py --port P --connections N --requests M --go-file F --ready-file R
  1. opens N HTTP/1.1 connections and sends GET /a/pre{c} on each (before the agent runs);
  2. creates READY-FILE, then waits (60 s at most) until GO-FILE exists (the agent is ready);
  3. sends M requests GET /a/c{c}r{r} on each SAME connection (round robin), and checks that no
     connection was reopened (same local address) and that the server kept each one open.
Exit 0 only if every response was 200 and every connection survived. Standard library only.
"""
import argparse
import http.client
import os
import sys
import time


def get(conn, path):
    conn.request("GET", path)
    resp = conn.getresponse()
    resp.read()
    if resp.status != 200:
        raise RuntimeError(f"{path}: status {resp.status}")
    if resp.will_close:
        raise RuntimeError(f"{path}: server will close the connection (is it speaking HTTP/1.1?)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--connections", type=int, default=4)
    ap.add_argument("--requests", type=int, default=3)
    ap.add_argument("--go-file", required=True)
    ap.add_argument("--ready-file", required=True)
    args = ap.parse_args()

    conns = []
    for c in range(args.connections):
        conn = http.client.HTTPConnection(args.host, args.port, timeout=20)
        get(conn, f"/a/pre{c}")
        conns.append((conn, conn.sock, conn.sock.getsockname()))
    print(f"keepalive_client: {len(conns)} connections open, local ports "
          f"{[a[1] for _, _, a in conns]}", file=sys.stderr)
    with open(args.ready_file, "w") as f:
        f.write("ready\n")

    deadline = time.monotonic() + 60
    while not os.path.exists(args.go_file):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{args.go_file} did not appear within 60 s")
        time.sleep(0.05)

    for r in range(args.requests):
        for c, (conn, sock, addr) in enumerate(conns):
            get(conn, f"/a/c{c}r{r}")
            if conn.sock is not sock or conn.sock.getsockname() != addr:
                raise RuntimeError(f"connection {c} was reopened: the test would not cover a pre-existing socket")
    for conn, _, _ in conns:
        conn.close()
    print(f"keepalive_client: {args.connections * args.requests} requests on pre-existing connections OK",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:
        print(f"keepalive_client: FAIL: {e}", file=sys.stderr)
        sys.exit(1)
