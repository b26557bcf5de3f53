#!/usr/bin/env python3
"""Validates callscope JSON-lines span output and checks the call chains it forms.

Python 3 standard library only. Exit status: 0 = every check passed, 1 = a check failed (a report on
stderr says what), 2 = bad usage.

Usage:
  check_chains.py SPANS.jsonl --expect COUNT CHAIN [--expect COUNT CHAIN ...] [--allow-extra]
  check_chains.py SPANS.jsonl --truth LOG [--truth LOG ...] [--id-pattern RE] [--max-wrong N]
                  [--min-right-in F] [--min-right-cross F] [--label TEXT] [--summary-json FILE]

Ground truth (--truth): the services of a test log, one JSON object per line, what each request they
served caused: {"service": NAME, "received": ID or null, "sent": [ID, ...]}. A request id is the first
group of --id-pattern (default '/r/([0-9A-Za-z_-]+)') in a span's name; services pass ids downstream that
differ from the ids they received (a hash), so the agent cannot link by content. From the log the
checker builds the true tree and counts, for every edge it implies:
  cross-process edge: the client span that sent id X -> the server span that received X
  in-process edge:    the server span that received R -> the client span that sent X, R caused X
  right (the span's parent is the true one), wrong (another parent), abstained (the span is a root).
A client span whose id has no cause in the log (the load generator's) must be a root: a parent there is
wrong too. A whole chain is right when every edge below its root id is right. The report prints the
counts; the check fails when wrong > --max-wrong (default 0), the share of right in-process edges is
below --min-right-in (default 0) or that of cross-process edges below --min-right-cross (default 1.0).
The structural checks below (format, dangling parents, one root per trace, windows) always apply;
--expect is optional with --truth and traces matching no expectation are then allowed.

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
  COUNT    N, or MIN-MAX (a range: e.g. chains that may be split where the agent abstains)
Example:
  --expect 1 'curl:client:GET /a:code=200,port=18081>python3:server:GET /a:code=200,port=18081,pid=123>...'

Checks:
  * every line is a JSON object with exactly the contract's keys and types (see SPAN_KEYS / ATTR_KEYS)
  * span ids are unique; every parent_span_id names a span of the same trace (else: dangling/cross-linked)
  * each trace has exactly one root; every child lies inside its parent's [start, end] window
  * a server span whose parent is a client span (the two ends of one connection) has the same
    client/server address and port attributes as its parent (not with --translated: through NAT the
    two ends see different tuples)
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
        lo, sep, hi = str(count).partition("-")
        self.min_count = int(lo)
        self.max_count = int(hi) if sep else self.min_count
        self.count = count
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


def check(path, expectations, allow_extra, translated=False):
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
        if parent["kind"] == "client" and s["kind"] == "server" and not translated:
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
        if not exp.min_count <= got <= exp.max_count:
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


def load_truth(paths, problems):
    """Returns {id: cause id or None} for every id a service received or sent."""
    cause = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                    received, sent = obj["received"], obj["sent"]
                except (json.JSONDecodeError, KeyError, TypeError) as e:
                    problems.append(f"truth {path}:{lineno}: malformed ({e}): {line.strip()[:200]}")
                    continue
                if received is not None:
                    cause.setdefault(received, None)
                for x in sent:
                    if cause.get(x) not in (None, received):
                        problems.append(f"truth: id {x} sent by the requests {cause[x]} and {received}")
                    cause[x] = received
    return cause


def check_truth(spans, cause, id_re, problems):
    """Counts right / wrong / abstained edges against the true tree. Returns the counts (a dict)."""
    by_kind_id = {}
    for s in spans:
        m = id_re.search(s["name"])
        if not m:
            continue
        key = (s["kind"], m.group(1))
        if key in by_kind_id:
            problems.append(f"truth: two {s['kind']} spans with id {m.group(1)}: {describe(s)}")
        by_kind_id[key] = s
    counts = {k: 0 for k in ("in_right", "in_wrong", "in_abstained", "cross_right", "cross_wrong",
                             "cross_abstained", "root_wrong", "missing_client", "missing_server",
                             "unknown_ids", "chains", "chains_right")}
    edge_ok = {}  # id -> all edges into its spans right
    wrong_examples = []

    def judge(kind, child, parent, what):
        got = child["parent_span_id"]
        if got == parent["span_id"]:
            counts[kind + "_right"] += 1
            return True
        if got == "":
            counts[kind + "_abstained"] += 1
        else:
            counts[kind + "_wrong"] += 1
            wrong_examples.append(f"wrong {what} parent:\n    want {describe(parent)}\n    child {describe(child)}")
        return False

    for (kind, ident), s in by_kind_id.items():
        if ident not in cause:
            counts["unknown_ids"] += 1
    for ident, parent_id in cause.items():
        client = by_kind_id.get(("client", ident))
        server = by_kind_id.get(("server", ident))
        ok = True
        if server is None:
            counts["missing_server"] += 1
            ok = False
        if client is None:
            counts["missing_client"] += 1
            ok = False
        if client is not None and server is not None:
            ok &= judge("cross", server, client, "cross-process")
        if client is not None:
            if parent_id is None:
                if client["parent_span_id"] != "":
                    counts["root_wrong"] += 1
                    ok = False
                    wrong_examples.append(f"a root request has a parent: {describe(client)}")
            else:
                up = by_kind_id.get(("server", parent_id))
                if up is not None:
                    ok &= judge("in", client, up, "in-process")
                else:
                    ok = False
        edge_ok[ident] = ok
    children = defaultdict(list)
    for ident, parent_id in cause.items():
        if parent_id is not None:
            children[parent_id].append(ident)

    def tree_ok(ident):
        return edge_ok.get(ident, False) and all(tree_ok(c) for c in children.get(ident, []))

    for ident, parent_id in cause.items():
        if parent_id is None and ("client", ident) in by_kind_id:
            counts["chains"] += 1
            counts["chains_right"] += tree_ok(ident)
    counts["wrong"] = counts["in_wrong"] + counts["cross_wrong"] + counts["root_wrong"]
    return counts, wrong_examples


def share(right, total):
    return right / total if total else 1.0


def truth_report(label, c):
    n_in = c["in_right"] + c["in_wrong"] + c["in_abstained"]
    n_cross = c["cross_right"] + c["cross_wrong"] + c["cross_abstained"]
    return (f"truth{(' [' + label + ']') if label else ''}: in-process edges {n_in}: right {c['in_right']} "
            f"({100 * share(c['in_right'], n_in):.1f}%), wrong {c['in_wrong']}, abstained {c['in_abstained']} | "
            f"cross-process edges {n_cross}: right {c['cross_right']} ({100 * share(c['cross_right'], n_cross):.1f}%), "
            f"wrong {c['cross_wrong']}, abstained {c['cross_abstained']} | roots with a parent {c['root_wrong']} | "
            f"whole chains right {c['chains_right']}/{c['chains']} "
            f"({100 * share(c['chains_right'], c['chains']):.1f}%) | missing spans: client {c['missing_client']}, "
            f"server {c['missing_server']}")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("spans", help="JSON-lines file written by callscope --format json")
    ap.add_argument("--expect", nargs=2, action="append", metavar=("COUNT", "CHAIN"), default=[])
    ap.add_argument("--allow-extra", action="store_true", help="traces matching no expectation are not errors")
    ap.add_argument("--truth", action="append", default=[], metavar="LOG", help="ground-truth log of a service")
    ap.add_argument("--id-pattern", default=r"/r/([0-9A-Za-z_-]+)", help="regex; group 1 is the request id")
    ap.add_argument("--max-wrong", type=int, default=0)
    ap.add_argument("--min-right-in", type=float, default=0.0)
    ap.add_argument("--min-right-cross", type=float, default=1.0)
    ap.add_argument("--translated", action="store_true",
                    help="connections go through NAT: the two ends of a connection may see different addresses")
    ap.add_argument("--allow-missing", action="store_true", help="logged requests may lack a client or server span")
    ap.add_argument("--label", default="")
    ap.add_argument("--summary-json", metavar="FILE",
                    help="write the truth counts there (JSON); without --truth: each expectation's matches and ids")
    args = ap.parse_args(argv)
    try:
        expectations = [Expectation(c, s) for c, s in args.expect]
        id_re = re.compile(args.id_pattern)
    except (ValueError, re.error) as e:
        print(f"check_chains: bad --expect or --id-pattern: {e}", file=sys.stderr)
        return 2
    if not expectations and not args.truth:
        print("check_chains: give at least one --expect COUNT CHAIN or --truth LOG", file=sys.stderr)
        return 2
    try:
        problems, summary = check(args.spans, expectations, args.allow_extra or bool(args.truth), args.translated)
        if args.summary_json and not args.truth:
            with open(args.summary_json, "w", encoding="utf-8") as f:
                json.dump({"expectations": [{"spec": e.spec, "matched": len(e.matched),
                                             "ids": sorted(b for _, b in e.matched if b is not None)}
                                            for e in expectations]}, f)
        if args.truth:
            cause = load_truth(args.truth, problems)
            if not cause:
                problems.append("truth: the services logged no request")
            spans = load(args.spans, [])
            counts, wrong_examples = check_truth(spans, cause, id_re, problems)
            report = truth_report(args.label, counts)
            print(report, file=sys.stderr)
            if args.summary_json:
                with open(args.summary_json, "w", encoding="utf-8") as f:
                    json.dump(dict(counts, label=args.label), f)
            n_in = counts["in_right"] + counts["in_wrong"] + counts["in_abstained"]
            n_cross = counts["cross_right"] + counts["cross_wrong"] + counts["cross_abstained"]
            if not args.allow_missing and counts["missing_client"] + counts["missing_server"]:
                problems.append(f"truth: spans missing for logged requests (client {counts['missing_client']}, "
                                f"server {counts['missing_server']})")
            if counts["wrong"] > args.max_wrong:
                problems.append(f"truth: {counts['wrong']} wrong edge(s) (at most {args.max_wrong}):")
                problems += ["  " + w for w in wrong_examples[:MAX_REPORTED]]
            if share(counts["in_right"], n_in) < args.min_right_in:
                problems.append(f"truth: {counts['in_right']}/{n_in} in-process edges right, want a share of at "
                                f"least {args.min_right_in}")
            if share(counts["cross_right"], n_cross) < args.min_right_cross:
                problems.append(f"truth: {counts['cross_right']}/{n_cross} cross-process edges right, want a share "
                                f"of at least {args.min_right_cross}")
    except OSError as e:
        print(f"check_chains: cannot read {e.filename}: {e}", file=sys.stderr)
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
