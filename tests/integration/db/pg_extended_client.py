#!/usr/bin/env python3
"""PostgreSQL traffic over the extended query protocol (psycopg 3, server-side parameters).

Usage: pg_extended_client.py PORT
  - CREATE TABLE (no parameters)
  - 10 INSERTs with parameters, unnamed statements
  - 5 SELECTs of one statement prepared once (named) and executed 5 times
  - one SELECT from a missing table (ErrorResponse 42P01)
  - a pipeline: 4 UPDATEs sent before one Sync (several Executes per Sync)
"""
import sys

import psycopg

port = int(sys.argv[1])
with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres", autocommit=True,
                     sslmode="disable") as conn:
    conn.execute("CREATE TABLE items (id integer PRIMARY KEY, name text)")
    for i in range(10):
        conn.execute("INSERT INTO items (id, name) VALUES (%s, %s)", (i, "item-%d" % i), prepare=False)
    for i in range(5):
        row = conn.execute("SELECT name FROM items WHERE id = %s", (i,), prepare=True).fetchone()
        assert row[0] == "item-%d" % i, row
    try:
        conn.execute("SELECT * FROM missing_table WHERE id = %s", (1,), prepare=False)
        raise SystemExit("the missing table did not fail")
    except psycopg.errors.UndefinedTable:
        pass
    with conn.pipeline():
        for i in range(4):
            conn.execute("UPDATE items SET name = %s WHERE id = %s", ("renamed", i), prepare=False)
print("pg_extended_client: done")
