#!/usr/bin/env python3
"""Demo/test service A: a Flask service whose handlers call service B with `requests`.

Usage: /usr/bin/python3 service_a.py [PORT [B_PORT]]
       (or env SERVICE_A_PORT / SERVICE_B_PORT; defaults 18081 / 18082)
Also a WSGI app for gunicorn (`SERVICE_B_PORT=.. gunicorn --chdir scripts/demo service_a:app`): the
Werkzeug dev server closes every connection, gunicorn's gthread worker keeps them open (HTTP/1.1).

Endpoints:
  GET /a            -> calls B GET /b, returns 200 with both results
  GET /a/<item>     -> calls B GET /b/<item>, returns 200 with both results
  GET /err          -> calls B GET /fail (B answers 500), returns 502
  GET /healthz      -> 200 "ok" (does not call B)
Each call to B opens a new connection (no shared session), from the thread serving the request.
"""
import os
import sys

import requests
from flask import Flask, jsonify

app = Flask(__name__)
B_PORT = int(os.environ.get("SERVICE_B_PORT", "18082"))


def _call_b(path):
    resp = requests.get(f"http://127.0.0.1:{B_PORT}{path}", timeout=10)
    try:
        body = resp.json()
    except ValueError:
        body = resp.text
    return resp.status_code, body


@app.get("/healthz")
def healthz():
    return "ok\n"


@app.get("/a")
def a_root():
    code, body = _call_b("/b")
    return jsonify(service="a", pid=os.getpid(), b_status=code, b=body), (200 if code == 200 else 502)


@app.get("/a/<item>")
def a_item(item):
    code, body = _call_b(f"/b/{item}")
    return jsonify(service="a", item=item, b_status=code, b=body), (200 if code == 200 else 502)


@app.get("/err")
def a_err():
    code, body = _call_b("/fail")
    return jsonify(service="a", b_status=code, b=body), 502


def main():
    global B_PORT
    port = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("SERVICE_A_PORT", "18081"))
    if len(sys.argv) > 2:
        B_PORT = int(sys.argv[2])
    app.run(host="127.0.0.1", port=port, threaded=True, debug=False, use_reloader=False)


if __name__ == "__main__":
    main()
