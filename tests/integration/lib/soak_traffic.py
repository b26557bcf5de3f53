#!/usr/bin/env python3
"""Mixed HTTP traffic for the soak (scripts/soak.sh) through the three-tier topology, paced, until a deadline.

Usage: soak_traffic.py --nginx-port N --a-port A --b-port B --rate R --threads T --seconds S --stats FILE
                       [--seed 1]
Every request is one of these kinds, drawn at random (fixed seed) with the weights below:
  nginx_new   GET /a/s<n>       via nginx, a new connection per request       -> 200 (6-span chain)
  nginx_ka    GET /a/k<n>       via nginx, the thread's keep-alive connection -> 200
  nginx_err   GET /err          via nginx (A calls B /fail, B 500)            -> 502
  nginx_404   GET /missing/<n>  via nginx, A answers 404 without calling B    -> 404
  a_direct    GET /a/d<n>       to A (gunicorn) directly, keep-alive          -> 200
  b_direct    GET /b/d<n>       to B (Werkzeug) directly, new connection      -> 200
  cut         half a request head to nginx, then the connection is closed     (nothing to check)
  idle        opens a connection to nginx, holds it 0-3 s without a byte, closes it
The pace is R requests/s in total (T threads, each R/T per second). Every second FILE is replaced with
one line: "<seconds> <requests> <errors> <kind>=<count>...". Errors (wrong status, refused, reset,
timeout) are counted, the first 20 printed on stderr; a kept-alive connection the server closed while
idle is retried once on a new connection (counted as reconnect=). Exit status: 0 if no error, 1 otherwise.
Standard library only.
"""
import argparse
import http.client
import os
import random
import socket
import sys
import threading
import time

KINDS = [("nginx_new", 30), ("nginx_ka", 30), ("nginx_err", 5), ("nginx_404", 5), ("a_direct", 12),
         ("b_direct", 12), ("cut", 3), ("idle", 3)]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = 0
        self.errors = 0
        self.by_kind = {k: 0 for k, _ in KINDS}
        self.messages = []

    def note_reconnect(self):
        with self.lock:
            self.by_kind["reconnect"] = self.by_kind.get("reconnect", 0) + 1

    def ok(self, kind):
        with self.lock:
            self.requests += 1
            self.by_kind[kind] += 1

    def error(self, kind, what):
        with self.lock:
            self.requests += 1
            self.errors += 1
            self.by_kind[kind] += 1
            if len(self.messages) < 20:
                self.messages.append(f"{kind}: {what}")
                print(f"soak_traffic: error: {kind}: {what}", file=sys.stderr, flush=True)


def get(conn, path, want):
    conn.request("GET", path)
    resp = conn.getresponse()
    resp.read()
    if resp.status != want:
        raise RuntimeError(f"{path}: status {resp.status}, want {want}")
    return resp


class Worker(threading.Thread):
    def __init__(self, idx, args, stats, deadline):
        super().__init__(daemon=True)
        self.idx, self.args, self.stats, self.deadline = idx, args, stats, deadline
        self.rng = random.Random(args.seed * 1000 + idx)
        self.ka = {}  # port -> persistent connection
        self.n = 0

    def keepalive(self, port):
        conn = self.ka.get(port)
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=self.args.timeout)
            self.ka[port] = conn
        return conn

    def one(self, kind):
        a = self.args
        self.n += 1
        tag = f"{self.idx}x{self.n}"
        if kind in ("nginx_new", "nginx_err", "nginx_404", "b_direct"):
            port, path, want = {
                "nginx_new": (a.nginx_port, f"/a/s{tag}", 200),
                "nginx_err": (a.nginx_port, "/err", 502),
                "nginx_404": (a.nginx_port, f"/missing/{tag}", 404),
                "b_direct": (a.b_port, f"/b/d{tag}", 200),
            }[kind]
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=a.timeout)
            try:
                get(conn, path, want)
            finally:
                conn.close()
        elif kind in ("nginx_ka", "a_direct"):
            port, path = (a.nginx_port, f"/a/k{tag}") if kind == "nginx_ka" else (a.a_port, f"/a/d{tag}")
            for attempt in (1, 2):
                reused = port in self.ka
                conn = self.keepalive(port)
                try:
                    resp = get(conn, path, 200)
                    if resp.will_close:
                        conn.close()
                        self.ka.pop(port, None)
                    break
                except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                    conn.close()
                    self.ka.pop(port, None)
                    # The server closed an idle kept-alive connection as we reused it: retry once on a
                    # new one, as HTTP clients do for an idempotent GET.
                    if not reused or attempt == 2:
                        raise
                    self.stats.note_reconnect()
                except Exception:
                    conn.close()
                    self.ka.pop(port, None)
                    raise
        elif kind == "cut":
            with socket.create_connection(("127.0.0.1", a.nginx_port), timeout=a.timeout) as s:
                s.sendall(f"GET /a/c{tag} HTTP/1.1\r\nHost: soak\r\nX-Cut: ".encode())
        elif kind == "idle":
            with socket.create_connection(("127.0.0.1", a.nginx_port), timeout=a.timeout):
                time.sleep(self.rng.uniform(0, 3))

    def run(self):
        period = self.args.threads / self.args.rate
        names = [k for k, _ in KINDS]
        weights = [w for _, w in KINDS]
        next_at = time.monotonic() + self.rng.uniform(0, period)
        while True:
            now = time.monotonic()
            if now >= self.deadline:
                break
            if next_at > now:
                time.sleep(min(next_at - now, self.deadline - now))
                continue
            next_at = max(next_at + period, now - 1.0)  # no burst to catch up more than 1 s
            kind = self.rng.choices(names, weights)[0]
            try:
                self.one(kind)
                self.stats.ok(kind)
            except Exception as e:  # count, report, go on
                self.stats.error(kind, repr(e))
        for conn in self.ka.values():
            conn.close()


def write_stats(path, start, stats):
    with stats.lock:
        line = f"{time.monotonic() - start:.0f} {stats.requests} {stats.errors} " + \
            " ".join(f"{k}={v}" for k, v in stats.by_kind.items())
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(line + "\n")
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nginx-port", type=int, required=True)
    ap.add_argument("--a-port", type=int, required=True)
    ap.add_argument("--b-port", type=int, required=True)
    ap.add_argument("--rate", type=float, default=40.0)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--stats", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=20.0)
    args = ap.parse_args()
    if args.rate <= 0 or args.threads <= 0:
        ap.error("--rate and --threads must be positive")
    start = time.monotonic()
    stats = Stats()
    workers = [Worker(i, args, stats, start + args.seconds) for i in range(args.threads)]
    for w in workers:
        w.start()
    while any(w.is_alive() for w in workers):
        write_stats(args.stats, start, stats)
        time.sleep(1.0)
    for w in workers:
        w.join()
    write_stats(args.stats, start, stats)
    print(f"soak_traffic: {stats.requests} requests in {time.monotonic() - start:.0f} s, {stats.errors} error(s); "
          + " ".join(f"{k}={v}" for k, v in stats.by_kind.items()), file=sys.stderr)
    return 0 if stats.errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
