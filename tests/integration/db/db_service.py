#!/usr/bin/env python3
"""A Flask service (Werkzeug, a thread per request) whose handler calls Redis and then PostgreSQL.

Usage: db_service.py PORT REDIS_PORT PG_PORT
  GET /item/<id>  GET req:<id> from Redis (redis-py, pooled connections), then
                  SELECT name FROM items WHERE id = $1 /* req <id> */ on PostgreSQL (psycopg 3, extended
                  protocol, a pool of connections opened on demand by the handlers); answers 200.
  GET /healthz    200, no database call.
Connections are opened lazily by the handlers, so a test can start the agent after the service.
"""
import queue
import sys

import psycopg
import redis
from flask import Flask

port, redis_port, pg_port = (int(a) for a in sys.argv[1:4])
app = Flask(__name__)
cache = redis.Redis(host="127.0.0.1", port=redis_port)
pg_pool = queue.LifoQueue()
setup_done = False


def pg_conn():
    try:
        return pg_pool.get_nowait()
    except queue.Empty:
        return psycopg.connect(host="127.0.0.1", port=pg_port, user="postgres", dbname="postgres",
                               autocommit=True, sslmode="disable")


@app.route("/healthz")
def healthz():
    return "ok"


@app.route("/item/<item_id>")
def item(item_id):
    cache.get("req:%s" % item_id)
    conn = pg_conn()
    try:
        row = conn.execute("SELECT name FROM items WHERE id = %%s /* req %s */" % item_id, (1,)).fetchone()
    finally:
        pg_pool.put(conn)
    return "item %s: %s" % (item_id, row[0] if row else None)


if __name__ == "__main__":
    with psycopg.connect(host="127.0.0.1", port=pg_port, user="postgres", dbname="postgres", autocommit=True,
                         sslmode="disable") as c:
        c.execute("CREATE TABLE IF NOT EXISTS items (id integer PRIMARY KEY, name text)")
        c.execute("INSERT INTO items VALUES (1, 'one') ON CONFLICT DO NOTHING")
    app.run(host="127.0.0.1", port=port, threaded=True)
