#!/usr/bin/env python3
"""Checks what an OTLP receiver got (receiver.js output) against the agent's JSON span output.

Usage: check_otlp.py SPANS_JSONL RECEIVED_JSONL --encoding protobuf|json [--exact | --sent N]
         [--metric SERVICE:NAME:COUNT ...] [--edge CLIENT:SERVER:COUNT ...]

Spans: every span the receiver got must be one of the agent's JSON lines with the same trace id, span id,
parent span id, kind, name, start/end times, status, attributes (plus thread.id), service.name and
process.pid (resource). --exact: the receiver got every JSON span exactly once. --sent N: it got exactly
N distinct spans (the agent's count), none twice.
Metrics (last /v1/metrics request): --metric: the sum of the data point counts of histogram NAME under the
resource of SERVICE is COUNT; --edge: traces_service_graph_request for client/server is COUNT.
Exits 1 with a report on any difference.
"""
import argparse
import json
import sys

KIND = {"server": 2, "client": 3}


def attrs(kvs):
    out = {}
    for kv in kvs or []:
        v = kv.get("value", {})
        if "stringValue" in v:
            out[kv["key"]] = v["stringValue"]
        elif "intValue" in v:
            out[kv["key"]] = int(v["intValue"])
        elif "doubleValue" in v:
            out[kv["key"]] = float(v["doubleValue"])
        elif "boolValue" in v:
            out[kv["key"]] = bool(v["boolValue"])
        else:
            out[kv["key"]] = None
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("spans")
    ap.add_argument("received")
    ap.add_argument("--encoding", required=True)
    ap.add_argument("--exact", action="store_true")
    ap.add_argument("--sent", type=int)
    ap.add_argument("--metric", action="append", default=[])
    ap.add_argument("--edge", action="append", default=[])
    a = ap.parse_args()
    errs = []
    agent = {}
    with open(a.spans) as f:
        for line in f:
            s = json.loads(line)
            agent[s["span_id"]] = s
    requests = []
    with open(a.received) as f:
        for line in f:
            requests.append(json.loads(line))
    for r in requests:
        if "error" in r:
            errs.append(f"receiver could not decode a {r['path']} request: {r['error']}")
        if r["encoding"] != a.encoding:
            errs.append(f"{r['path']} request in {r['encoding']}, want {a.encoding}")
        if not r["gzip"]:
            errs.append(f"{r['path']} request not gzip-compressed")
        if a.encoding == "json" and r["ids_hex"] is False:
            errs.append("OTLP/JSON request with ids that are not lowercase hex")
    got = {}
    dup = 0
    for r in requests:
        if r["path"] != "/v1/traces" or "body" not in r:
            continue
        for rs in r["body"].get("resourceSpans", []):
            res = attrs(rs.get("resource", {}).get("attributes"))
            for ss in rs.get("scopeSpans", []):
                for sp in ss.get("spans", []):
                    if sp["spanId"] in got:
                        dup += 1
                    got[sp["spanId"]] = (res, sp)
    if dup:
        errs.append(f"{dup} spans received more than once")
    for sid, (res, sp) in got.items():
        want = agent.get(sid)
        if want is None:
            errs.append(f"span {sid} ({sp.get('name')}) is not in the agent's JSON output")
            continue
        diffs = []
        if sp.get("traceId") != want["trace_id"]:
            diffs.append(f"traceId {sp.get('traceId')} != {want['trace_id']}")
        if sp.get("parentSpanId", "") != want["parent_span_id"]:
            diffs.append(f"parentSpanId {sp.get('parentSpanId', '')!r} != {want['parent_span_id']!r}")
        if sp.get("kind") != KIND[want["kind"]]:
            diffs.append(f"kind {sp.get('kind')} != {want['kind']}")
        if sp.get("name") != want["name"]:
            diffs.append(f"name {sp.get('name')!r} != {want['name']!r}")
        for k in ("start_time_unix_nano", "end_time_unix_nano"):
            camel = "startTimeUnixNano" if k.startswith("start") else "endTimeUnixNano"
            if int(sp.get(camel, 0)) != want[k]:
                diffs.append(f"{camel} {sp.get(camel)} != {want[k]}")
        code = sp.get("status", {}).get("code", 0)
        if (code == 2) != (want["status"] == "error") or code == 1:
            diffs.append(f"status code {code} for JSON status {want['status']}")
        sa = attrs(sp.get("attributes"))
        for k, v in want["attributes"].items():
            if sa.get(k) != v:
                diffs.append(f"attribute {k}: {sa.get(k)!r} != {v!r}")
        extra = set(sa) - set(want["attributes"]) - {"thread.id"}
        if extra:
            diffs.append(f"extra attributes {sorted(extra)}")
        if sa.get("thread.id") != want["thread.id"]:
            diffs.append(f"thread.id {sa.get('thread.id')} != {want['thread.id']}")
        if res.get("service.name") != want["service.name"]:
            diffs.append(f"resource service.name {res.get('service.name')!r} != {want['service.name']!r}")
        if res.get("process.pid") != want["process.pid"]:
            diffs.append(f"resource process.pid {res.get('process.pid')} != {want['process.pid']}")
        if not res.get("host.name"):
            diffs.append("resource without host.name")
        if diffs:
            errs.append(f"span {sid} ({want['service.name']} {want['kind']} {want['name']}): " + "; ".join(diffs))
    if a.exact:
        missing = set(agent) - set(got)
        if missing:
            errs.append(f"{len(missing)} of the agent's {len(agent)} spans never reached the receiver")
    if a.sent is not None and len(got) != a.sent:
        errs.append(f"receiver got {len(got)} distinct spans, the agent says it sent {a.sent}")

    metrics = [r for r in requests if r["path"] == "/v1/metrics" and "body" in r]
    if (a.metric or a.edge) and not metrics:
        errs.append("no metrics request received")
    if metrics:
        last = metrics[-1]["body"]

        def points(service, name):
            out = []
            for rm in last.get("resourceMetrics", []):
                res = attrs(rm.get("resource", {}).get("attributes"))
                if service is not None and res.get("service.name") != service:
                    continue
                for sm in rm.get("scopeMetrics", []):
                    for m in sm.get("metrics", []):
                        if m["name"] != name:
                            continue
                        for kind in ("histogram", "sum", "gauge"):
                            if kind in m:
                                out += [(kind, p) for p in m[kind].get("dataPoints", [])]
            return out

        for spec in a.metric:
            service, name, count = spec.rsplit(":", 2)
            pts = points(service, name)
            total = sum(int(p.get("count", 0)) for k, p in pts if k == "histogram")
            if total != int(count):
                errs.append(f"metric {name} of {service}: {total} observations, want {count}")
        for spec in a.edge:
            client, server, count = spec.rsplit(":", 2)
            total = 0
            for k, p in points("callscope", "traces_service_graph_request"):
                pa = attrs(p.get("attributes"))
                if pa.get("client") == client and pa.get("server") == server:
                    total += float(p.get("asDouble", 0))
            if total != int(count):
                errs.append(f"service graph edge {client} -> {server}: {total} requests, want {count}")
    print(f"check_otlp: {len(requests)} requests, {len(got)} spans received, {len(agent)} spans in the JSON output")
    if errs:
        for e in errs[:40]:
            print("  " + e)
        print(f"check_otlp: FAIL ({len(errs)} problems)")
        return 1
    print("check_otlp: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
