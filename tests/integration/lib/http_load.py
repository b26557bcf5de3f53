#!/usr/bin/env python3
"""Sends COUNT HTTP GET requests from CONCURRENCY threads and checks every response status.

Usage: http_load.py --port P --path '/a/{i}' --count 200 --concurrency 16 [--expect-status 200]
                    [--keep-alive] [--host 127.0.0.1]
'{i}' in the path becomes the request number (0..COUNT-1), so every request is distinguishable in the
spans. Without --keep-alive each request uses a fresh connection; with it each thread reuses one
HTTP/1.1 connection (and fails if the server closes it). Exit 0 only if every response had the
expected status. Standard library only.
"""
import argparse
import http.client
import queue
import sys
import threading


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--path", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--expect-status", type=int, default=200)
    ap.add_argument("--keep-alive", action="store_true")
    ap.add_argument("--timeout", type=float, default=20.0)
    args = ap.parse_args()

    work = queue.Queue()
    for i in range(args.count):
        work.put(i)
    errors = []
    lock = threading.Lock()
    done = [0]

    def worker():
        conn = None
        first_sock = None
        while True:
            try:
                i = work.get_nowait()
            except queue.Empty:
                break
            path = args.path.replace("{i}", str(i))
            try:
                if conn is None or not args.keep_alive:
                    conn = http.client.HTTPConnection(args.host, args.port, timeout=args.timeout)
                conn.request("GET", path)
                if args.keep_alive:
                    if first_sock is None:
                        first_sock = conn.sock.getsockname()
                    elif conn.sock.getsockname() != first_sock:
                        raise RuntimeError("keep-alive connection was reopened")
                resp = conn.getresponse()
                resp.read()
                if resp.status != args.expect_status:
                    raise RuntimeError(f"status {resp.status}")
                if args.keep_alive and resp.will_close:
                    raise RuntimeError("server closes the keep-alive connection")
                if not args.keep_alive:
                    conn.close()
                with lock:
                    done[0] += 1
            except Exception as e:  # report every failure, keep going with the others
                with lock:
                    errors.append(f"{path}: {e}")
                if conn is not None:
                    conn.close()
                conn = None
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"http_load: {done[0]}/{args.count} requests answered {args.expect_status}, {len(errors)} error(s)",
          file=sys.stderr)
    for e in errors[:20]:
        print(f"http_load: error: {e}", file=sys.stderr)
    return 0 if not errors and done[0] == args.count else 1


if __name__ == "__main__":
    sys.exit(main())
