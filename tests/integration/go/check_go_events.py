#!/usr/bin/env python3
"""Checks the Go probe events (go_events_dump output) against the ground truth the Go programs logged.

Usage: check_go_events.py [--request-only] EVENTS.jsonl PID:TRUTH.jsonl [PID:TRUTH.jsonl ...]
(--request-only: the events come from go_events_dump --request-only; only (caller, writer) is checked)

For each process (pid) with a truth log:
  lineage   every `go` statement the program logged (parent goid -> child goid) is a newproc event;
            every handler goroutine was created by the goroutine that runs Server.Serve; every writeLoop
            and readLoop goroutine the program saw has a creation event.
  hand-off  the probe events rebuild, per client call, (caller goid, writeLoop goid, readLoop goid):
            ROUNDTRIP(caller, req) .. WRITE(writer, req) .. READ(reader, req) .. ROUNDTRIP_DONE(caller),
            matched by the *Request pointer in ring buffer order. The multiset of triples must equal the
            program's own (caller from runtime.Stack at Client.Do, writer from httptrace WroteRequest,
            reader from GotFirstResponseByte): no call missing, none extra, none reported twice.
  pairing   every WRITE/READ/ROUNDTRIP has its *_DONE on the same goroutine, none nested.
and globally: no ring buffer drops, no read errors, and the g TLS offset of every process (-8, or
computed for the cgo build) finds the same g as R14 in every net/http probe. Exits 1 on any mismatch.
"""
import collections
import json
import sys


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def check_process(pid, events, truth, problems, summary, request_only):
    evs = [e for e in events if e.get("pid") == pid]
    if not evs:
        problems.append(f"pid {pid}: no Go events at all (was the process registered before its traffic?)")
        return
    name = f"pid {pid}"
    # --- lineage
    created = {}  # child -> parent
    for e in evs:
        if e["type"] == "newproc":
            if e["child"] in created:
                problems.append(f"{name}: goroutine {e['child']} created twice")
            created[e["child"]] = e["parent"]
            if e["child"] == 0 or e["parent"] == 0:
                problems.append(f"{name}: newproc with goid 0: {e}")
    spawns = [t for t in truth if t["ev"] == "spawn"]
    for t in spawns:
        if created.get(t["child"]) != t["parent"]:
            problems.append(f"{name}: spawn {t['parent']} -> {t['child']} reported as "
                            f"{created.get(t['child'])} -> {t['child']}")
    serve = [t["goid"] for t in truth if t["ev"] == "serve"]
    handlers = sorted({t["goid"] for t in truth if t["ev"] == "handler"})
    for h in handlers:
        if created.get(h) != serve[0]:
            problems.append(f"{name}: handler goroutine {h} created by {created.get(h)}, not by the "
                            f"Serve goroutine {serve[0]}")
    calls = [t for t in truth if t["ev"] == "call"]
    loops = {t["writer"] for t in calls} | {t["reader"] for t in calls}
    for g in sorted(loops):
        if g not in created:
            problems.append(f"{name}: writeLoop/readLoop goroutine {g} has no creation event")

    # --- hand-offs
    open_by_req = {}
    current = {}  # caller goid -> record
    triples = collections.Counter()
    failed_attempts = 0
    inside = {}  # (kind, goid) -> depth, for pairing
    if request_only:
        check_request_only(name, evs, calls, problems, summary, spawns, handlers, loops)
        return
    for e in evs:
        t = e["type"]
        if t in ("roundtrip", "write", "read"):
            key = (t, e["goid"])
            if inside.get(key):
                problems.append(f"{name}: {t} entered twice on goroutine {e['goid']} without returning")
            inside[key] = 1
        elif t.endswith("_done"):
            key = (t[:-5], e["goid"])
            if not inside.get(key):
                problems.append(f"{name}: {t} on goroutine {e['goid']} without its entry")
            inside[key] = 0
        if t == "roundtrip":
            rec = {"caller": e["goid"], "writer": None, "reader": None}
            open_by_req[e["req"]] = rec
            current[e["goid"]] = (e["req"], rec)
        elif t == "write":
            rec = open_by_req.get(e["req"])
            if rec is None:
                problems.append(f"{name}: write of request {e['req']:#x} with no roundtrip before it")
            elif rec["writer"] is not None:
                problems.append(f"{name}: request {e['req']:#x} written twice")
            else:
                rec["writer"] = e["goid"]
        elif t == "read":
            rec = open_by_req.get(e["req"])
            if rec is None:
                problems.append(f"{name}: response read for request {e['req']:#x} with no roundtrip")
            else:
                rec["reader"] = e["goid"]
        elif t == "roundtrip_done":
            req, rec = current.pop(e["goid"], (None, None))
            if rec is None:
                continue
            open_by_req.pop(req, None)
            if e["error"]:
                failed_attempts += 1
                continue
            triples[(rec["caller"], rec["writer"], rec["reader"])] += 1
    truth_triples = collections.Counter((t["caller"], t["writer"], t["reader"]) for t in calls)
    missing = truth_triples - triples
    extra = triples - truth_triples
    for k, n in list(missing.items())[:10]:
        problems.append(f"{name}: call (caller, writer, reader)={k} x{n} logged by the program, not rebuilt "
                        f"from the probes")
    for k, n in list(extra.items())[:10]:
        problems.append(f"{name}: call {k} x{n} rebuilt from the probes, not logged by the program")
    roundtrips = sum(1 for e in evs if e["type"] == "roundtrip")
    if roundtrips != len(calls) + failed_attempts:
        problems.append(f"{name}: {roundtrips} roundtrip entries for {len(calls)} calls "
                        f"(+{failed_attempts} failed attempts): entries lost or reported twice")
    summary.append(f"{name}: {len(calls)} calls matched {sum(triples.values()) - sum(extra.values())}/"
                   f"{len(calls)}, {len(spawns)} spawns, {len(handlers)} handlers, {len(loops)} conn loops, "
                   f"{sum(1 for e in evs if e['type'] == 'newproc')} newproc events, "
                   f"{failed_attempts} failed attempts")


def check_request_only(name, evs, calls, problems, summary, spawns, handlers, loops):
    """--request-only probes: ROUNDTRIP(caller, req) then WRITE(writer, req): (caller, writer) pairs."""
    others = [e for e in evs if e["type"] not in ("newproc", "roundtrip", "write")]
    if others:
        problems.append(f"{name}: {len(others)} records of types not probed in request-only mode: {others[0]}")
    open_by_req = {}
    pairs = collections.Counter()
    for e in evs:
        if e["type"] == "roundtrip":
            open_by_req[e["req"]] = e["goid"]
        elif e["type"] == "write":
            caller = open_by_req.pop(e["req"], None)
            if caller is None:
                problems.append(f"{name}: write of request {e['req']:#x} with no roundtrip before it")
            else:
                pairs[(caller, e["goid"])] += 1
    truth = collections.Counter((t["caller"], t["writer"]) for t in calls)
    for k, n in list((truth - pairs).items())[:10]:
        problems.append(f"{name}: call (caller, writer)={k} x{n} logged by the program, not rebuilt from the probes")
    for k, n in list((pairs - truth).items())[:10]:
        problems.append(f"{name}: call {k} x{n} rebuilt from the probes, not logged by the program")
    roundtrips = sum(1 for e in evs if e["type"] == "roundtrip")
    if roundtrips != len(calls):
        problems.append(f"{name}: {roundtrips} roundtrip entries for {len(calls)} calls")
    summary.append(f"{name} (request-only): {len(calls)} calls, {sum((pairs & truth).values())} (caller, writer) "
                   f"pairs matched, {len(spawns)} spawns, {len(handlers)} handlers, {len(loops)} conn loops")


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    args = sys.argv[1:]
    request_only = "--request-only" in args
    args = [a for a in args if a != "--request-only"]
    events = load(args[0])
    problems, summary = [], []
    stats = [e for e in events if e["type"] == "stats"]
    if not stats:
        problems.append("no stats line: go_events_dump did not exit cleanly")
    else:
        s = stats[-1]
        for k in ("drops", "read_errors", "attach_failures", "note_drops", "tls_mismatch"):
            if s[k]:
                problems.append(f"go_events_dump stats: {k}={s[k]}")
        if not s["tls_checks"]:
            problems.append("the g TLS offset was never checked (no net/http probe ran?)")
        summary.append("stats: " + json.dumps(s))
    for e in events:
        if e["type"] == "prog_stats" and e["run_cnt"]:
            summary.append(f"cost {e['name']}: {e['run_cnt']} runs, {e['run_time_ns'] / e['run_cnt']:.0f} ns/run")
    unknown = [e for e in events if e["type"] == "unknown"]
    if unknown:
        problems.append(f"{len(unknown)} records of unknown type, e.g. {unknown[0]}")
    for arg in args[1:]:
        pid, path = arg.split(":", 1)
        check_process(int(pid), events, load(path), problems, summary, request_only)
    for line in summary:
        print("check_go_events:", line)
    for p in problems[:40]:
        print("check_go_events: FAIL:", p, file=sys.stderr)
    if problems:
        print(f"check_go_events: {len(problems)} problems", file=sys.stderr)
        return 1
    print("check_go_events: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
