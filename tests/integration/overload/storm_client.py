#!/usr/bin/env python3
"""Connection-storm client for test_overload.sh (asyncio, standard library only, loopback).

Usage:
  storm_client.py short --port P --count N [--concurrency C] [--time-limit S]
      N short connections, C at a time: connect, send one GET (Connection: close), read the whole
      response, close. Prints one JSON line: {"mode": "short", "ok": .., "failed": .., "seconds": ..}.
  storm_client.py idle --port P --count N --ready-file R --release-file F [--batch B] [--hold-limit S]
      Opens N keep-alive connections (B at a time), sends one GET on each and reads its response, keeps
      them all open, creates READY-FILE, waits until RELEASE-FILE exists (HOLD-LIMIT seconds at most),
      then checks every connection is still open (one more GET each) and closes them. Prints one JSON
      line with ok/failed/open_seconds/held.
Exit status 0 only if every request got a 200 and (short) the storm finished within its time limit.
"""
import argparse
import asyncio
import json
import os
import sys
import time

HOST = "127.0.0.1"


def request(path, close):
    return (f"GET {path} HTTP/1.1\r\nHost: storm\r\n" + ("Connection: close\r\n" if close else "") + "\r\n").encode()


async def read_response(reader):
    """Reads one response (Content-Length framed). Returns the status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "content-length":
            length = int(v.strip())
    if length:
        await reader.readexactly(length)
    return status


async def one_short(port, i, stats):
    try:
        reader, writer = await asyncio.open_connection(HOST, port)
        writer.write(request(f"/s/{i}", close=True))
        await writer.drain()
        status = await read_response(reader)
        writer.close()
        try:
            await writer.wait_closed()
        except (ConnectionError, OSError):
            pass
        stats["ok" if status == 200 else "failed"] += 1
    except (OSError, asyncio.IncompleteReadError, ValueError) as e:
        stats["failed"] += 1
        stats.setdefault("errors", {}).setdefault(type(e).__name__ + ": " + str(e)[:80], 0)
        stats["errors"][type(e).__name__ + ": " + str(e)[:80]] += 1


async def short_mode(args):
    stats = {"mode": "short", "ok": 0, "failed": 0}
    sem = asyncio.Semaphore(args.concurrency)
    start = time.monotonic()

    async def guarded(i):
        async with sem:
            await one_short(args.port, i, stats)

    tasks = [asyncio.ensure_future(guarded(i)) for i in range(args.count)]
    done, pending = await asyncio.wait(tasks, timeout=args.time_limit)
    for t in pending:
        t.cancel()
    stats["seconds"] = round(time.monotonic() - start, 3)
    stats["unfinished"] = len(pending)
    print(json.dumps(stats), flush=True)
    return 0 if stats["failed"] == 0 and not pending and stats["ok"] == args.count else 1


async def idle_mode(args):
    stats = {"mode": "idle", "ok": 0, "failed": 0}
    conns = []
    start = time.monotonic()

    async def open_one(i):
        reader, writer = await asyncio.open_connection(HOST, args.port)
        writer.write(request(f"/i/{i}", close=False))
        await writer.drain()
        status = await read_response(reader)
        if status != 200:
            raise RuntimeError(f"status {status}")
        conns.append((reader, writer))

    for base in range(0, args.count, args.batch):
        results = await asyncio.gather(*(open_one(i) for i in range(base, min(base + args.batch, args.count))),
                                       return_exceptions=True)
        for r in results:
            if isinstance(r, Exception):
                stats["failed"] += 1
                stats.setdefault("first_error", repr(r)[:200])
            else:
                stats["ok"] += 1
        if time.monotonic() - start > args.hold_limit:
            break
    stats["open_seconds"] = round(time.monotonic() - start, 3)
    stats["held"] = len(conns)
    print(f"storm_client: {len(conns)} connections open in {stats['open_seconds']} s", file=sys.stderr, flush=True)
    with open(args.ready_file, "w") as f:
        f.write(f"{len(conns)}\n")
    deadline = time.monotonic() + args.hold_limit
    while not os.path.exists(args.release_file) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    # Every held connection must still work (the server kept it, nothing blocked).
    still = 0
    for i, (reader, writer) in enumerate(conns):
        try:
            writer.write(request(f"/again/{i}", close=True))
            await writer.drain()
            if await read_response(reader) == 200:
                still += 1
        except (OSError, asyncio.IncompleteReadError, ValueError):
            pass
        writer.close()
    stats["still_open"] = still
    print(json.dumps(stats), flush=True)
    return 0 if stats["failed"] == 0 and still == len(conns) == args.count else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["short", "idle"])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--concurrency", type=int, default=200)
    ap.add_argument("--time-limit", type=float, default=120)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--hold-limit", type=float, default=120)
    ap.add_argument("--ready-file")
    ap.add_argument("--release-file")
    args = ap.parse_args()
    if args.mode == "idle" and not (args.ready_file and args.release_file):
        ap.error("idle needs --ready-file and --release-file")
    coro = short_mode(args) if args.mode == "short" else idle_mode(args)
    return asyncio.run(coro)


if __name__ == "__main__":
    sys.exit(main())
