#!/usr/bin/env python3
"""Checks callscope JSON-lines output that holds database spans (and HTTP spans above them).

Python 3 standard library only. Exit status 0: every check passed; 1: a check failed (report on stderr).

Usage:
  check_db_spans.py SPANS.jsonl [--expect COUNT TREE]... [--count COUNT FILTER]... [--allow-extra]

TREE: a span and its children, each child a TREE, in braces separated by ';' (order free):
    LABEL [ '{' TREE [';' TREE]... '}' ]
    LABEL := SERVICE ':' KIND ':' NAME [ ':' KEY=VALUE [',' KEY=VALUE]... ]
  SERVICE  service.name ('*' any); KIND client|server; NAME the span name.
  KEYS     status=ok|error, pid=N, port=N (server.port), a.<attribute>=<value> (the attribute as text;
           a value runs to the next ',KEY=' or the end, so it may hold ',' and ':' but not '{', '}', ';')
  '<id>' in NAME or a value matches [A-Za-z0-9]+ and must bind to one value in the whole tree, and to
  a different value in each trace matched by the same --expect (cross-linked requests are caught).
  Children must match exactly: a span with more or fewer children than the TREE says does not match.
FILTER for --count: SERVICE:KIND:NAME[:KEY=VALUE,...] (same keys; '<id>' not allowed): the number of
  spans (anywhere) matching it must be COUNT.

Also checked for every span: the JSON keys and types, unique span ids, one root per trace, parents in
the same trace, each child inside its parent's window, a server span under a client span has the same
server/client endpoints, status "error" iff an error attribute says so for database spans
(error.type present), db.system.name present on database spans.
Without --allow-extra every trace must match an --expect.
"""
import argparse
import json
import re
import sys
from collections import defaultdict
from itertools import permutations

SPAN_KEYS = {"trace_id": str, "span_id": str, "parent_span_id": str, "kind": str, "name": str,
             "start_time_unix_nano": int, "end_time_unix_nano": int, "service.name": str,
             "process.pid": int, "thread.id": int, "status": str, "attributes": dict}
errors = []


def fail(msg):
    errors.append(msg)


def parse_label(text):
    parts = text.split(":", 3)
    if len(parts) < 3:
        raise ValueError("bad label %r" % text)
    keys = {}
    if len(parts) == 4 and parts[3]:
        for kv in re.split(r",(?=(?:status|pid|port|a\.[A-Za-z0-9_.]+)=)", parts[3]):
            k, _, v = kv.partition("=")
            keys[k] = v
    return {"service": parts[0], "kind": parts[1], "name": parts[2], "keys": keys}


def parse_tree(s, i=0):
    """Returns (node, next index)."""
    j = i
    while j < len(s) and s[j] not in "{};":
        j += 1
    node = parse_label(s[i:j].strip())
    node["children"] = []
    if j < len(s) and s[j] == "{":
        j += 1
        while True:
            child, j = parse_tree(s, j)
            node["children"].append(child)
            if j >= len(s):
                raise ValueError("unclosed '{' in %r" % s)
            if s[j] == ";":
                j += 1
                continue
            if s[j] == "}":
                j += 1
                break
    return node, j


def match_value(pattern, value, binding):
    """'<id>' binds; returns the new binding or None."""
    if "<id>" not in pattern:
        return binding if pattern == value else None
    rx = "^" + re.escape(pattern).replace(re.escape("<id>"), "([A-Za-z0-9]+)") + "$"
    m = re.match(rx, value)
    if not m:
        return None
    got = m.group(1)
    for g in m.groups():
        if g != got:
            return None
    if binding is not None and binding != got:
        return None
    return got


def label_matches(node, span, binding):
    if node["service"] != "*" and node["service"] != span["service.name"]:
        return None
    if node["kind"] != span["kind"]:
        return None
    b = match_value(node["name"], span["name"], binding)
    if b is None and "<id>" in node["name"]:
        return None
    if b is None and node["name"] != span["name"]:
        return None
    binding = b if b is not None else binding
    attrs = span["attributes"]
    for k, v in node["keys"].items():
        if k == "status":
            actual = span["status"]
        elif k == "pid":
            actual = str(span["process.pid"])
        elif k == "port":
            actual = str(attrs.get("server.port"))
        elif k.startswith("a."):
            if k[2:] not in attrs:
                return None
            actual = str(attrs[k[2:]])
        else:
            raise ValueError("unknown key %r" % k)
        nb = match_value(v, actual, binding)
        if nb is None and ("<id>" in v or v != actual):
            return None
        binding = nb if nb is not None else binding
    return binding if binding is not None else ""


def tree_matches(node, span_id, spans, children, binding):
    b = label_matches(node, spans[span_id], binding or None)
    if b is None:
        return None
    b = b or binding
    kids = children.get(span_id, [])
    if len(kids) != len(node["children"]):
        return None
    for perm in permutations(kids):
        bb = b
        ok = True
        for exp, kid in zip(node["children"], perm):
            r = tree_matches(exp, kid, spans, children, bb)
            if r is None:
                ok = False
                break
            bb = r or bb
        if ok:
            return bb if bb is not None else ""
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("spans")
    ap.add_argument("--expect", nargs=2, action="append", default=[], metavar=("COUNT", "TREE"))
    ap.add_argument("--count", nargs=2, action="append", default=[], metavar=("COUNT", "FILTER"))
    ap.add_argument("--allow-extra", action="store_true")
    a = ap.parse_args()

    spans = {}
    with open(a.spans) as f:
        for n, line in enumerate(f, 1):
            try:
                s = json.loads(line)
            except ValueError as e:
                fail("line %d: not JSON: %s" % (n, e))
                continue
            for k, t in SPAN_KEYS.items():
                if not isinstance(s.get(k), t) or (t is int and isinstance(s.get(k), bool)):
                    fail("line %d: key %s missing or not %s" % (n, k, t.__name__))
            if set(s) != set(SPAN_KEYS):
                fail("line %d: keys %s" % (n, sorted(set(s) ^ set(SPAN_KEYS))))
            if s.get("span_id") in spans:
                fail("line %d: duplicate span id" % n)
            spans[s.get("span_id")] = s
    children = defaultdict(list)
    roots_by_trace = defaultdict(list)
    for sid, s in spans.items():
        attrs = s["attributes"]
        if "db.system.name" in attrs or "db.operation.name" in attrs:
            if "db.system.name" not in attrs:
                fail("span %s (%s): database span without db.system.name" % (sid, s["name"]))
            if ("error.type" in attrs) != (s["status"] == "error") and "response lost" not in json.dumps(s):
                # the builder also marks spans as errors when the connection ended before the answer
                fail("span %s (%s %s): status %s but error.type %s" % (sid, s["service.name"], s["name"],
                                                                       s["status"], attrs.get("error.type")))
        p = s["parent_span_id"]
        if p == "":
            roots_by_trace[s["trace_id"]].append(sid)
            continue
        if p not in spans:
            fail("span %s (%s %s): parent %s missing" % (sid, s["service.name"], s["name"], p))
            continue
        parent = spans[p]
        children[p].append(sid)
        if parent["trace_id"] != s["trace_id"]:
            fail("span %s: parent in another trace" % sid)
        if s["start_time_unix_nano"] < parent["start_time_unix_nano"] or s["end_time_unix_nano"] > parent["end_time_unix_nano"]:
            fail("span %s (%s %s) outside its parent's window" % (sid, s["service.name"], s["name"]))
        if s["kind"] == "server" and parent["kind"] == "client":
            for k in ("server.address", "server.port", "client.address", "client.port"):
                if s["attributes"].get(k) != parent["attributes"].get(k):
                    fail("span %s: %s differs from its client parent's" % (sid, k))
    traces = defaultdict(list)
    for sid, s in spans.items():
        traces[s["trace_id"]].append(sid)
    for tid, ids in traces.items():
        if len(roots_by_trace[tid]) != 1:
            fail("trace %s has %d roots" % (tid, len(roots_by_trace[tid])))

    matched = set()
    for count, tree in a.expect:
        node, _ = parse_tree(tree)
        bindings = []
        for tid, roots in sorted(roots_by_trace.items()):
            if tid in matched or len(roots) != 1:
                continue
            b = tree_matches(node, roots[0], spans, children, None)
            if b is None:
                continue
            if b and b in bindings:
                fail("two traces bind <id> to %r for %s" % (b, tree))
            bindings.append(b)
            matched.add(tid)
        if len(bindings) != int(count):
            fail("expected %s trace(s) %s, found %d" % (count, tree, len(bindings)))
    for count, flt in a.count:
        node = parse_label(flt)
        n = sum(1 for s in spans.values() if label_matches(node, s, None) is not None)
        if n != int(count):
            fail("expected %s span(s) %s, found %d" % (count, flt, n))
    if not a.allow_extra:
        extra = [t for t in traces if t not in matched]
        if extra and a.expect:
            for t in extra[:8]:
                r = spans[roots_by_trace[t][0]] if roots_by_trace[t] else spans[traces[t][0]]
                fail("unexpected trace %s: root %s:%s:%s (%d spans)" % (t, r["service.name"], r["kind"], r["name"], len(traces[t])))
    if errors:
        for e in errors[:30]:
            print("check_db_spans: FAIL: " + e, file=sys.stderr)
        print("check_db_spans: %d problem(s), %d spans, %d traces" % (len(errors), len(spans), len(traces)), file=sys.stderr)
        return 1
    print("check_db_spans: OK: %d spans, %d traces" % (len(spans), len(traces)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
