#!/usr/bin/env python3
"""Load generator of the chain tests: CLIENTS threads, each on its own keep-alive connection, send
REQUESTS GET /r/<unique id> each to URL's host and port; fails (exit 1) unless every answer is 200.
Usage: truth_load.py HOST PORT CLIENTS REQUESTS TAG [--family 4|6]"""
import http.client
import sys
import threading


def main():
    host, port, clients, requests, tag = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    errors = []

    def worker(n):
        conn = http.client.HTTPConnection(host, port, timeout=30)
        try:
            for k in range(requests):
                conn.request("GET", f"/r/{tag}c{n}k{k}")
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    errors.append(f"client {n} request {k}: HTTP {resp.status}")
        except Exception as e:  # noqa: BLE001 - reported, not hidden
            errors.append(f"client {n}: {e!r}")
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        print(f"truth_load: {len(errors)} error(s): {errors[:5]}", file=sys.stderr)
        return 1
    print(f"truth_load: {clients * requests} requests answered 200", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
