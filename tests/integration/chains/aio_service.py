#!/usr/bin/env python3
"""Service A on asyncio (aiohttp server + one ClientSession), optionally on uvloop. For GET /r/<id> it
calls the leaf twice with ids derived from <id> and answers; MODE says how:
  gather      asyncio.gather of the two calls (fan-out)
  sequential  one call, await, then the other
  sleep       asyncio.sleep(SLEEP_MS) first, then the two calls one after another
Usage: aio_service.py HOST PORT LEAF_URL MODE TRUTH_LOG [--uvloop]"""
import asyncio
import sys

import aiohttp
from aiohttp import web

from truth_log import TruthLog, child_id

SLEEP_S = 0.005


async def call(session, leaf, ident):
    async with session.get(f"{leaf}/r/{ident}") as resp:
        await resp.read()
        return resp.status


async def handle(request):
    app = request.app
    received = request.match_info["ident"]
    ids = [child_id(received, i) for i in range(2)]
    session, leaf, mode = app["session"], app["leaf"], app["mode"]
    if mode == "gather":
        await asyncio.gather(*(call(session, leaf, i) for i in ids))
    else:
        if mode == "sleep":
            await asyncio.sleep(SLEEP_S)
        for i in ids:
            await call(session, leaf, i)
    app["truth"].log(received, ids)
    return web.Response(text="ok")


async def healthz(request):
    return web.Response(text="ok")


async def start_session(app):
    app["session"] = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256))


async def close_session(app):
    await app["session"].close()


def main():
    host, port, leaf, mode, truth = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
    if "--uvloop" in sys.argv[6:]:
        import uvloop
        uvloop.install()
    app = web.Application()
    app["leaf"], app["mode"], app["truth"] = leaf, mode, TruthLog(truth, f"aio-{mode}")
    app.router.add_get("/r/{ident}", handle)
    app.router.add_get("/healthz", healthz)
    app.on_startup.append(start_session)
    app.on_cleanup.append(close_session)
    web.run_app(app, host=host, port=port, access_log=None, print=None)


if __name__ == "__main__":
    main()
