#!/usr/bin/env python3
"""Validates callscope JSON-lines span output and checks the call chains it forms.

Python 3 standard library only. Exit status: 0 = every check passed, 1 = a check failed (a report on
stderr says what), 2 = bad usage.

Usage:
  check_chains.py SPANS.jsonl --expect COUNT CHAIN [--expect COUNT CHAIN ...] [--allow-extra]

CHAIN is a linear chain of spans from the root down, levels separated by '>':
    LEVEL := SERVICE ':' KIND ':' NAME [ ':' KEY=VALUE [',' KEY=VALUE ...] ]
  SERVICE  expected service.name (process comm), e.g. curl, python3, nginx; '*' = any
  KIND     client | server
  NAME     expected span name, e.g. "GET /a". '{id}' matches one path segment (no '/', '?', ' ') and
           must bind to the same value at every level of one chain, and to a different value in each
           chain matched by the same --expect (so cross-linked requests are caught).
  KEYS     code=N      attributes["http.response.status_code"] == N
           port=N      attributes["server.port"] == N
           pid=N       process.pid == N
           status=S    ok|error (default: derived from code by the contract: a server span is an error on
                       a 5xx response, a client span on a 4xx or 5xx response)
           minms=F     the span lasts at least F milliseconds
Example:
  --expect 1 'curl:client:GET /a:code=200,port=18081>python3:server:GET /a:code=200,port=18081,pid=123>...'

Checks:
  * every line is a JSON object with exactly the contract's keys and types (see SPAN_KEYS / ATTR_KEYS)
  * span ids are unique; every parent_span_id names a span of the same trace (else: dangling/cross-linked)
  * each trace has exactly one root; every child lies inside its parent's [start, end] window
  * a server span whose parent is a client span (the two ends of one connection) has the same
    client/server address and port attributes as its parent
  * status matches the status code by the contract rule, name starts with http.request.method
  * each trace matches one expectation exactly (same depth, one child per level); the number of traces
    matching each expectation equals its COUNT; without --allow-extra, no trace may be left unmatched
"""
import argparse
import json
import re
import sys
from collections import defaultdict

HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX16 = re.compile(r"^[0-9a-f]{16}$")
# 2001-09-09 in unix nanoseconds: a wall-clock timestamp is always above this, a monotonic one is not.
MIN_UNIX_NANO = 1_000_000_000 * 1_000_000_000

SPAN_KEYS = {
    "trace_id": str,
    "span_id": str,
    "parent_span_id": str,
    "kind": str,
    "name": str,
    "start_time_unix_nano": int,
    "end_time_unix_nano": int,
    "service.name": str,
    "process.pid": int,
    "thread.id": int,
    "status": str,
    "attributes": dict,
}
# attribute key -> (type, required)
ATTR_KEYS = {
    "http.request.method": (str, True),
    "url.path": (str, True),
    "http.response.status_code": (int, True),
    "server.address": (str, True),
    "server.port": (int, True),
    "client.address": (str, True),
    "client.port": (int, True),
    "network.protocol.name": (str, True),
    "network.protocol.version": (str, True),
}
MAX_REPORTED = 12


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def type_ok(value, typ):
    return is_int(value) if typ is int else isinstance(value, typ)


def validate_span(obj):
    """Returns a list of problems with one decoded line (empty when it follows the contract)."""
    if not isinstance(obj, dict):
        return ["not a JSON object"]
    errs = []
    keys = set(obj)
    for k in sorted(set(SPAN_KEYS) - keys):
        errs.append(f"missing key {k!r}")
    for k in sorted(keys - set(SPAN_KEYS)):
        errs.append(f"unexpected key {k!r}")
    for k, typ in SPAN_KEYS.items():
        if k in obj and not type_ok(obj[k], typ):
            errs.append(f"key {k!r} has type {type(obj[k]).__name__}, want {typ.__name__}")
    if errs:
        return errs
    if not HEX32.match(obj["trace_id"]) or obj["trace_id"] == "0" * 32:
        errs.append(f"trace_id {obj['trace_id']!r} is not 32 lowercase hex digits (non-zero)")
    if not HEX16.match(obj["span_id"]) or obj["span_id"] == "0" * 16:
        errs.append(f"span_id {obj['span_id']!r} is not 16 lowercase hex digits (non-zero)")
    if obj["parent_span_id"] != "" and (not HEX16.match(obj["parent_span_id"]) or obj["parent_span_id"] == "0" * 16):
        errs.append(f"parent_span_id {obj['parent_span_id']!r} is neither \"\" nor 16 hex digits")
    if obj["kind"] not in ("client", "server"):
        errs.append(f"kind {obj['kind']!r} is not client/server")
    if obj["status"] not in ("ok", "error"):
        errs.append(f"status {obj['status']!r} is not ok/error")
    if not obj["name"]:
        errs.append("empty name")
    if not obj["service.name"]:
        errs.append("empty service.name")
    start, end = obj["start_time_unix_nano"], obj["end_time_unix_nano"]
    if start < MIN_UNIX_NANO:
        errs.append(f"start_time_unix_nano {start} is not a unix-epoch timestamp in ns")
    if end < start:
        errs.append(f"end_time_unix_nano {end} < start_time_unix_nano {start}")
    if obj["process.pid"] <= 0 or obj["thread.id"] <= 0:
        errs.append("process.pid and thread.id must be positive")
    attrs = obj["attributes"]
    for k, (typ, required) in ATTR_KEYS.items():
        if k not in attrs:
            if required:
                errs.append(f"attributes: missing {k!r}")
        elif not type_ok(attrs[k], typ):
            errs.append(f"attributes: {k!r} has type {type(attrs[k]).__name__}, want {typ.__name__}")
    for k in sorted(set(attrs) - set(ATTR_KEYS)):
        errs.append(f"attributes: unexpected key {k!r}")
    if errs:
        return errs
    for k in ("server.port", "client.port"):
        if not 0 < attrs[k] < 65536:
            errs.append(f"attributes: {k} {attrs[k]} out of range")
    code = attrs["http.response.status_code"]
    if not 100 <= code <= 599:
        errs.append(f"attributes: http.response.status_code {code} out of range")
    elif obj["status"] != contract_status(obj["kind"], code):
        errs.append(f"status {obj['status']!r} but a {obj['kind']} span with code {code} must be "
                    f"{contract_status(obj['kind'], code)!r}")
    if attrs["network.protocol.name"] != "http":
        errs.append(f"attributes: network.protocol.name {attrs['network.protocol.name']!r} != 'http'")
    if not obj["name"].startswith(attrs["http.request.method"] + " "):
        errs.append(f"name {obj['name']!r} does not start with the method {attrs['http.request.method']!r}")
    return errs


def contract_status(kind, code):
    limit = 500 if kind == "server" else 400
    return "error" if code >= limit else "ok"


class Level:
    def __init__(self, text):
        parts = text.split(":", 3)
        if len(parts) < 3:
            raise ValueError(f"chain level {text!r}: want SERVICE:KIND:NAME[:KEY=VALUE,...]")
        self.text = text
        self.service, self.kind, self.name = parts[0], parts[1], parts[2]
        if self.kind not in ("client", "server"):
            raise ValueError(f"chain level {text!r}: kind must be client or server")
        self.code = self.port = self.pid = self.status = self.min_ms = None
        if len(parts) == 4 and parts[3]:
            for kv in parts[3].split(","):
                key, sep, value = kv.partition("=")
                if not sep:
                    raise ValueError(f"chain level {text!r}: {kv!r} is not KEY=VALUE")
                if key in ("code", "port", "pid"):
                    setattr(self, key, int(value))
                elif key == "minms":
                    self.min_ms = float(value)
                elif key == "status" and value in ("ok", "error"):
                    self.status = value
                else:
                    raise ValueError(f"chain level {text!r}: unknown key or value {kv!r}")
        if self.status is None and self.code is not None:
            self.status = contract_status(self.kind, self.code)
        self.name_re = re.compile(
            "^" + re.escape(self.name).replace(re.escape("{id}"), r"(?P<id>[^/? ]+)") + "$")

    def mismatches(self, span):
        """Returns (list of differences, bound id or None)."""
        diffs = []
        attrs = span["attributes"]
        if self.service != "*" and span["service.name"] != self.service:
            diffs.append(f"service.name {span['service.name']!r} != {self.service!r}")
        if span["kind"] != self.kind:
            diffs.append(f"kind {span['kind']!r} != {self.kind!r}")
        m = self.name_re.match(span["name"])
        if not m:
            diffs.append(f"name {span['name']!r} != {self.name!r}")
        if self.code is not None and attrs.get("http.response.status_code") != self.code:
            diffs.append(f"status_code {attrs.get('http.response.status_code')!r} != {self.code}")
        if self.port is not None and attrs.get("server.port") != self.port:
            diffs.append(f"server.port {attrs.get('server.port')!r} != {self.port}")
        if self.pid is not None and span["process.pid"] != self.pid:
            diffs.append(f"process.pid {span['process.pid']} != {self.pid}")
        if self.min_ms is not None:
            ms = (span["end_time_unix_nano"] - span["start_time_unix_nano"]) / 1e6
            if ms < self.min_ms:
                diffs.append(f"duration {ms:.3f} ms < {self.min_ms} ms")
        if self.status is not None and span["status"] != self.status:
            diffs.append(f"status {span['status']!r} != {self.status!r}")
        return diffs, (m.groupdict().get("id") if m else None)


class Expectation:
    def __init__(self, count, spec):
        self.count = int(count)
        self.spec = spec
        self.levels = [Level(t.strip()) for t in spec.split(">")]
        self.matched = []  # list of (trace_id, bound id)

    def match(self, chain):
        """chain: list of spans root-first. Returns (ok, differences, bound id)."""
        if len(chain) != len(self.levels):
            return False, [f"depth {len(chain)} != {len(self.levels)}"], None
        diffs, bound = [], None
        for depth, (level, span) in enumerate(zip(self.levels, chain)):
            d, ident = level.mismatches(span)
            diffs += [f"level {depth}: {x}" for x in d]
            if ident is not None:
                if bound is None:
                    bound = ident
                elif ident != bound:
                    diffs.append(f"level {depth}: id {ident!r} != {bound!r} bound above (cross-linked)")
        return not diffs, diffs, bound


def describe(span):
    a = span["attributes"]
    return (f"{span['service.name']}[{span['process.pid']}/{span['thread.id']}] {span['kind']} "
            f"{span['name']!r} code={a.get('http.response.status_code')} port={a.get('server.port')} "
            f"status={span['status']} span={span['span_id']} parent={span['parent_span_id'] or '-'} "
            f"[{span['start_time_unix_nano']}, {span['end_time_unix_nano']}]")


def render_tree(root, children, indent="    "):
    lines = []

    def walk(span, depth):
        lines.append(indent + "  " * depth + describe(span))
        for c in sorted(children.get(span["span_id"], []), key=lambda s: s["start_time_unix_nano"]):
            walk(c, depth + 1)

    walk(root, 0)
    return "\n".join(lines)


def load(path, problems):
    spans = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                problems.append(f"line {lineno}: malformed JSON ({e}): {line.strip()[:200]}")
                continue
            errs = validate_span(obj)
            if errs:
                problems.append(f"line {lineno}: " + "; ".join(errs) + f"\n      {line.strip()[:300]}")
                continue
            spans.append(obj)
    return spans


def check(path, expectations, allow_extra):
    problems = []
    spans = load(path, problems)
    by_id = {}
    for s in spans:
        if s["span_id"] in by_id:
            problems.append(f"duplicate span_id {s['span_id']}: {describe(s)}")
        by_id[s["span_id"]] = s

    traces = defaultdict(list)
    children = defaultdict(list)
    broken_traces = set()
    for s in spans:
        traces[s["trace_id"]].append(s)
        pid = s["parent_span_id"]
        if not pid:
            continue
        parent = by_id.get(pid)
        if parent is None:
            problems.append(f"dangling parent (incomplete chain): {describe(s)}")
            broken_traces.add(s["trace_id"])
            continue
        if parent["trace_id"] != s["trace_id"]:
            problems.append(f"cross-linked: span {s['span_id']} in trace {s['trace_id']} has parent "
                            f"{pid} in trace {parent['trace_id']}")
            broken_traces.add(s["trace_id"])
            continue
        children[pid].append(s)
        if not (parent["start_time_unix_nano"] <= s["start_time_unix_nano"]
                and s["end_time_unix_nano"] <= parent["end_time_unix_nano"]):
            problems.append(f"child outside its parent's window:\n    parent {describe(parent)}\n"
                            f"    child  {describe(s)}")
            broken_traces.add(s["trace_id"])
        if parent["kind"] == "client" and s["kind"] == "server":
            endpoint = ("client.address", "client.port", "server.address", "server.port")
            pa, sa = parent["attributes"], s["attributes"]
            diff = [k for k in endpoint if pa.get(k) != sa.get(k)]
            if diff:
                problems.append(f"client and server ends of one connection disagree on {diff}:\n"
                                f"    client {describe(parent)} {[pa.get(k) for k in endpoint]}\n"
                                f"    server {describe(s)} {[sa.get(k) for k in endpoint]}")
                broken_traces.add(s["trace_id"])

    unmatched = []
    for trace_id, members in traces.items():
        roots = [s for s in members if not s["parent_span_id"]]
        if len(roots) != 1:
            problems.append(f"trace {trace_id}: {len(roots)} roots (want exactly 1)")
            broken_traces.add(trace_id)
            continue
        # Walk the chain from the root; more than one child at a level is not a linear chain.
        chain, node, branched = [roots[0]], roots[0], False
        while children.get(node["span_id"]):
            kids = children[node["span_id"]]
            if len(kids) > 1:
                branched = True
                break
            node = kids[0]
            chain.append(node)
        reachable = len(chain) == len(members) and not branched
        best = None
        if reachable and trace_id not in broken_traces:
            for exp in expectations:
                ok, diffs, bound = exp.match(chain)
                if ok:
                    exp.matched.append((trace_id, bound))
                    best = None
                    break
                if best is None or len(diffs) < len(best[1]):
                    best = (exp, diffs)
            else:
                unmatched.append((trace_id, roots[0], best))
            continue
        why = "branches" if branched else ("spans not reachable from the root" if not reachable
                                            else "see problems above")
        unmatched.append((trace_id, roots[0], (None, [why])))

    for exp in expectations:
        got = len(exp.matched)
        if got != exp.count:
            problems.append(f"expected {exp.count} chain(s) '{exp.spec}', found {got}")
        ids = [b for _, b in exp.matched if b is not None]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            problems.append(f"chain '{exp.spec}': id(s) {dup[:10]} matched more than once (cross-linked?)")

    if unmatched and not allow_extra:
        problems.append(f"{len(unmatched)} trace(s) match no expectation (malformed, incomplete or extra):")
        for trace_id, root, best in unmatched[:MAX_REPORTED]:
            why = ""
            if best is not None:
                exp, diffs = best
                target = f" closest: '{exp.spec}'" if exp else ""
                why = f"{target} -> " + "; ".join(diffs[:6])
            problems.append(f"  trace {trace_id}:{why}\n" + render_tree(root, children))
        if len(unmatched) > MAX_REPORTED:
            problems.append(f"  ... and {len(unmatched) - MAX_REPORTED} more")

    summary = (f"check_chains: {path}: {len(spans)} valid span(s), {len(traces)} trace(s); " +
               ", ".join(f"{len(e.matched)}/{e.count} x '{e.spec}'" for e in expectations) +
               f"; {len(unmatched)} unmatched")
    return problems, summary


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("spans", help="JSON-lines file written by callscope --format json")
    ap.add_argument("--expect", nargs=2, action="append", metavar=("COUNT", "CHAIN"), default=[])
    ap.add_argument("--allow-extra", action="store_true", help="traces matching no expectation are not errors")
    args = ap.parse_args(argv)
    try:
        expectations = [Expectation(c, s) for c, s in args.expect]
    except ValueError as e:
        print(f"check_chains: bad --expect: {e}", file=sys.stderr)
        return 2
    if not expectations:
        print("check_chains: give at least one --expect COUNT CHAIN", file=sys.stderr)
        return 2
    try:
        problems, summary = check(args.spans, expectations, args.allow_extra)
    except OSError as e:
        print(f"check_chains: cannot read {args.spans}: {e}", file=sys.stderr)
        return 1
    print(summary, file=sys.stderr)
    if problems:
        print(f"check_chains: FAILED with {len(problems)} problem(s):", file=sys.stderr)
        for p in problems[:200]:
            print("  - " + p, file=sys.stderr)
        return 1
    print("check_chains: OK", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
