#!/usr/bin/env python3
"""Demo/test service B: a small Flask JSON service that service A calls.

Usage: /usr/bin/python3 service_b.py [PORT]   (or env SERVICE_B_PORT; default 18082)
Also importable as a WSGI app for gunicorn: `gunicorn --chdir scripts/demo service_b:app`.

Endpoints:
  GET /b            -> 200 {"service": "b", ...}
  GET /b/<item>     -> 200 {"service": "b", "item": <item>, ...}
  GET /fail         -> 500 {"service": "b", "error": "deliberate failure"}
  GET /healthz      -> 200 "ok"
Every data endpoint sleeps SERVICE_B_DELAY_MS (default 5) so the call has a visible duration.
"""
import os
import sys
import time

from flask import Flask, jsonify

app = Flask(__name__)
DELAY_S = float(os.environ.get("SERVICE_B_DELAY_MS", "5")) / 1000.0


def _work():
    time.sleep(DELAY_S)


@app.get("/healthz")
def healthz():
    return "ok\n"


@app.get("/b")
def b_root():
    _work()
    return jsonify(service="b", pid=os.getpid(), delay_ms=DELAY_S * 1000.0)


@app.get("/b/<item>")
def b_item(item):
    _work()
    return jsonify(service="b", item=item, pid=os.getpid())


@app.get("/fail")
def b_fail():
    _work()
    return jsonify(service="b", error="deliberate failure"), 500


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("SERVICE_B_PORT", "18082"))
    app.run(host="127.0.0.1", port=port, threaded=True, debug=False, use_reloader=False)


if __name__ == "__main__":
    main()
