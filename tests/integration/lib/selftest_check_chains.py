#!/usr/bin/env python3
"""Self-test of check_chains.py: the hand-written good samples pass, and every broken variant fails
with the expected message. Exit 0 when the checker behaves, 1 otherwise. Standard library only."""
import copy
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKER = os.path.join(HERE, "check_chains.py")
SAMPLES = os.path.join(HERE, "samples")

CHAIN = ("curl:client:GET /a:code=200,port=18081>python3:server:GET /a:code=200,port=18081,pid=3001>"
         "python3:client:GET /b:code=200,port=18082,pid=3001>python3:server:GET /b:code=200,port=18082,pid=3002")
ERR_CHAIN = ("curl:client:GET /err:code=502>python3:server:GET /err:code=502>"
             "python3:client:GET /fail:code=500>python3:server:GET /fail:code=500")
ID_CHAIN = "python3:client:GET /a/{id}>python3:server:GET /a/{id}>python3:client:GET /b/{id}>python3:server:GET /b/{id}"


def load(name):
    with open(os.path.join(SAMPLES, name), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def run(lines, expects, extra_args=(), raw_text=None):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        if raw_text is not None:
            f.write(raw_text)
        else:
            for obj in lines:
                f.write(json.dumps(obj, separators=(",", ":")) + "\n")
        path = f.name
    try:
        args = [sys.executable, CHECKER, path]
        for count, spec in expects:
            args += ["--expect", str(count), spec]
        proc = subprocess.run(args + list(extra_args), capture_output=True, text=True, timeout=60)
        return proc.returncode, proc.stderr
    finally:
        os.unlink(path)


def mutate(fn):
    def apply(lines):
        lines = copy.deepcopy(lines)
        result = fn(lines)
        # A mutation either edits the list in place or returns a new list.
        return result if isinstance(result, list) else lines
    return apply


def setitem(i, key, value):
    return mutate(lambda l: l[i].__setitem__(key, value))


def setattr_(i, key, value):
    return mutate(lambda l: l[i]["attributes"].__setitem__(key, value))


def delitem(i, key):
    return mutate(lambda l: l[i].pop(key))


def delattr_(i, key):
    return mutate(lambda l: l[i]["attributes"].pop(key))


def extra_span(lines):
    dup = copy.deepcopy(lines[1])
    dup["span_id"] = "7777777777777777"
    lines.append(dup)


def second_root(lines):
    lines[2]["parent_span_id"] = ""


def unrelated_trace(lines):
    other = copy.deepcopy(lines[0])
    other["trace_id"] = "9" * 32
    other["span_id"] = "9" * 16
    lines.append(other)


# (description, sample, mutation or None, expectations, extra args, substring the report must contain)
BAD = [
    ("missing top-level key", "good_chain.jsonl", delitem(1, "status"), [(1, CHAIN)], (), "missing key 'status'"),
    ("unexpected top-level key", "good_chain.jsonl", setitem(1, "duration", 5), [(1, CHAIN)], (), "unexpected key 'duration'"),
    ("trace_id too short", "good_chain.jsonl", setitem(0, "trace_id", "abc"), [(1, CHAIN)], (), "trace_id 'abc'"),
    ("uppercase span_id", "good_chain.jsonl", setitem(0, "span_id", "00F067AA0BA902B7"), [(1, CHAIN)], (), "span_id"),
    ("time as string", "good_chain.jsonl", setitem(2, "start_time_unix_nano", "1795000000001000000"), [(1, CHAIN)], (), "start_time_unix_nano' has type str"),
    ("pid as bool", "good_chain.jsonl", setitem(2, "process.pid", True), [(1, CHAIN)], (), "process.pid' has type bool"),
    ("monotonic timestamps", "good_chain.jsonl", setitem(3, "start_time_unix_nano", 5000), [(1, CHAIN)], (), "not a unix-epoch"),
    ("end before start", "good_chain.jsonl", setitem(3, "end_time_unix_nano", 1795000000001100000), [(1, CHAIN)], (), "end_time_unix_nano"),
    ("bad kind", "good_chain.jsonl", setitem(1, "kind", "internal"), [(1, CHAIN)], (), "kind 'internal'"),
    ("bad status value", "good_chain.jsonl", setitem(1, "status", "unset"), [(1, CHAIN)], (), "status 'unset'"),
    ("missing attribute", "good_chain.jsonl", delattr_(1, "server.port"), [(1, CHAIN)], (), "missing 'server.port'"),
    ("unexpected attribute", "good_chain.jsonl", setattr_(1, "http.route", "/a"), [(1, CHAIN)], (), "unexpected key 'http.route'"),
    ("status code as string", "good_chain.jsonl", setattr_(1, "http.response.status_code", "200"), [(1, CHAIN)], (), "status_code' has type str"),
    ("name without method", "good_chain.jsonl", setitem(1, "name", "/a"), [(1, CHAIN)], (), "does not start with the method"),
    ("dangling parent", "good_chain.jsonl", setitem(3, "parent_span_id", "5555555555555555"), [(1, CHAIN)], (), "dangling parent"),
    ("cross-trace parent", "good_chain.jsonl", setitem(3, "trace_id", "1" * 32), [(1, CHAIN)], (), "cross-linked"),
    ("child outside parent window", "good_chain.jsonl", setitem(3, "end_time_unix_nano", 1795000000010500000), [(1, CHAIN)], (), "outside its parent's window"),
    ("child starts before parent", "good_chain.jsonl", setitem(2, "start_time_unix_nano", 1795000000000100000), [(1, CHAIN)], (), "outside its parent's window"),
    ("wrong service name", "good_chain.jsonl", setitem(0, "service.name", "wget"), [(1, CHAIN)], (), "service.name 'wget'"),
    ("wrong span name", "good_chain.jsonl", mutate(lambda l: (l[3].__setitem__("name", "GET /c"), l[3]["attributes"].__setitem__("url.path", "/c")) and None), [(1, CHAIN)], (), "name 'GET /c'"),
    ("wrong status code", "good_chain.jsonl", setattr_(3, "http.response.status_code", 404), [(1, CHAIN)], (), "status_code 404 != 200"),
    ("wrong port", "good_chain.jsonl", mutate(lambda l: [x["attributes"].__setitem__("server.port", 18083) for x in l[2:]] and None), [(1, CHAIN)], (), "server.port 18083 != 18082"),
    ("wrong pid", "good_chain.jsonl", setitem(3, "process.pid", 3003), [(1, CHAIN)], (), "process.pid 3003 != 3002"),
    ("connection ends disagree", "good_chain.jsonl", setattr_(3, "client.port", 40009), [(1, CHAIN)], (), "disagree on ['client.port']"),
    ("too short", "good_chain.jsonl", None, [(1, CHAIN.replace("pid=3002", "pid=3002,minms=8"))], (), "duration 7.800 ms < 8.0 ms"),
    ("missing leaf span (incomplete chain)", "good_chain.jsonl", mutate(lambda l: l[:3]), [(1, CHAIN)], (), "depth 3 != 4"),
    ("missing middle span", "good_chain.jsonl", mutate(lambda l: [l[0], l[1], l[3]]), [(1, CHAIN)], (), "dangling parent"),
    ("extra sibling span", "good_chain.jsonl", mutate(extra_span), [(1, CHAIN)], (), "branches"),
    ("two roots", "good_chain.jsonl", mutate(second_root), [(1, CHAIN)], (), "2 roots"),
    ("duplicate span id", "good_chain.jsonl", mutate(lambda l: l + [l[3]]), [(1, CHAIN)], (), "duplicate span_id"),
    ("unrelated extra trace", "good_chain.jsonl", mutate(unrelated_trace), [(1, CHAIN)], (), "match no expectation"),
    ("count mismatch", "good_chain.jsonl", None, [(2, CHAIN)], (), "expected 2 chain(s)"),
    ("count outside range", "good_two_ids.jsonl", None, [("3-5", ID_CHAIN)], (), "expected 3-5 chain(s)"),
    ("server span ok on 5xx", "good_error_chain.jsonl", setitem(3, "status", "ok"), [(1, ERR_CHAIN)], (), "must be 'error'"),
    ("client span ok on 5xx", "good_error_chain.jsonl", setitem(2, "status", "ok"), [(1, ERR_CHAIN)], (), "must be 'error'"),
    ("server span error on 200", "good_chain.jsonl", setitem(1, "status", "error"), [(1, CHAIN)], (), "must be 'ok'"),
    ("cross-linked requests", "bad_cross_linked.jsonl", None, [(2, ID_CHAIN)], (), "cross-linked"),
    ("same id twice", "good_two_ids.jsonl", mutate(lambda l: [dict(s, name=s["name"].replace("/2", "/1"),
                                                                   attributes=dict(s["attributes"], **{"url.path": s["attributes"]["url.path"].replace("/2", "/1")}))
                                                              for s in l]), [(2, ID_CHAIN)], (), "matched more than once"),
]

GOOD = [
    ("good chain", "good_chain.jsonl", None, [(1, CHAIN)], ()),
    ("good error chain", "good_error_chain.jsonl", None, [(1, ERR_CHAIN)], ()),
    ("two chains by id", "good_two_ids.jsonl", None, [(2, ID_CHAIN)], ()),
    ("two expectations", "good_chain.jsonl", None, [(1, CHAIN), (0, ERR_CHAIN)], ()),
    ("long enough", "good_chain.jsonl", None, [(1, CHAIN.replace("pid=3002", "pid=3002,minms=7.5"))], ()),
    ("extra trace allowed", "good_chain.jsonl", mutate(unrelated_trace), [(1, CHAIN)], ("--allow-extra",)),
    ("count range", "good_two_ids.jsonl", None, [("1-3", ID_CHAIN)], ()),
    ("ends may disagree through NAT", "good_chain.jsonl", setattr_(3, "client.port", 40009), [(1, CHAIN)], ("--translated",)),
]


def truth_spans():
    """load generator -> A (/r/aaa1) -> B twice (/r/bbb1, /r/bbb2): 6 spans, one trace, plus the truth log."""
    base = load("good_chain.jsonl")[0]
    t0 = 1795000000000000000

    def span(sid, parent, kind, ident, pid, start, end, port):
        s = copy.deepcopy(base)
        s.update(span_id=sid, parent_span_id=parent, kind=kind, name=f"GET /r/{ident}", **{"process.pid": pid,
                 "thread.id": pid, "service.name": "python3", "start_time_unix_nano": t0 + start,
                 "end_time_unix_nano": t0 + end})
        s["attributes"].update({"url.path": f"/r/{ident}", "server.port": port, "client.port": 40000 + start})
        return s
    spans = [span("1" * 16, "", "client", "aaa1", 4100, 0, 100, 18081),
             span("2" * 16, "1" * 16, "server", "aaa1", 4200, 0, 90, 18081),
             span("3" * 16, "2" * 16, "client", "bbb1", 4200, 10, 40, 18082),
             span("4" * 16, "3" * 16, "server", "bbb1", 4300, 10, 40, 18082),
             span("5" * 16, "2" * 16, "client", "bbb2", 4200, 50, 80, 18082),
             span("6" * 16, "5" * 16, "server", "bbb2", 4300, 50, 80, 18082)]
    spans[2]["attributes"]["client.port"] = spans[3]["attributes"]["client.port"]
    spans[4]["attributes"]["client.port"] = spans[5]["attributes"]["client.port"]
    spans[0]["attributes"]["client.port"] = spans[1]["attributes"]["client.port"]
    truth = [{"service": "A", "received": "aaa1", "sent": ["bbb1", "bbb2"]},
             {"service": "B", "received": "bbb1", "sent": []}, {"service": "B", "received": "bbb2", "sent": []}]
    return spans, truth


def run_truth(spans, truth, extra=()):
    with tempfile.TemporaryDirectory() as d:
        sp, tr = os.path.join(d, "spans.jsonl"), os.path.join(d, "truth.jsonl")
        with open(sp, "w") as f:
            f.writelines(json.dumps(x) + "\n" for x in spans)
        with open(tr, "w") as f:
            f.writelines(json.dumps(x) + "\n" for x in truth)
        proc = subprocess.run([sys.executable, CHECKER, sp, "--truth", tr] + list(extra), capture_output=True,
                              text=True, timeout=60)
        return proc.returncode, proc.stderr


def split_off(spans, index):
    """Makes spans[index] an abstained root: its subtree moves to a trace of its own."""
    spans[index]["parent_span_id"] = ""
    moved = {spans[index]["span_id"]}
    for s in spans:
        if s["span_id"] in moved or s["parent_span_id"] in moved:
            moved.add(s["span_id"])
            s["trace_id"] = "7" * 32
    return spans


def truth_cases():
    """(description, mutation of (spans, truth), extra args, want rc, substring of the report)"""
    def wrong_in(sp, tr):
        sp[4]["parent_span_id"] = "4" * 16  # bbb2's client under B's server span: wrong in-process parent
        sp[4]["start_time_unix_nano"] = sp[3]["start_time_unix_nano"]
        sp[4]["end_time_unix_nano"] = sp[3]["end_time_unix_nano"]
        sp[5]["start_time_unix_nano"] = sp[3]["start_time_unix_nano"]
        sp[5]["end_time_unix_nano"] = sp[3]["end_time_unix_nano"]
        return sp, tr

    def wrong_cross(sp, tr):
        sp[5]["parent_span_id"] = "3" * 16  # bbb2's server under bbb1's client
        sp[5]["attributes"]["client.port"] = sp[2]["attributes"]["client.port"]
        sp[5]["start_time_unix_nano"], sp[5]["end_time_unix_nano"] = sp[2]["start_time_unix_nano"], sp[2]["end_time_unix_nano"]
        return sp, tr
    return [
        ("truth: all right", lambda sp, tr: (sp, tr), (), 0, "wrong 0, abstained 0"),
        ("truth: whole chain counted", lambda sp, tr: (sp, tr), (), 0, "whole chains right 1/1"),
        ("truth: wrong in-process edge", wrong_in, (), 1, "wrong in-process parent"),
        ("truth: wrong cross-process edge", wrong_cross, (), 1, "wrong cross-process parent"),
        ("truth: abstained edge is not wrong", lambda sp, tr: (split_off(sp, 4), tr), (), 0, "right 1 (50.0%), wrong 0, abstained 1"),
        ("truth: abstained edges below the wanted share", lambda sp, tr: (split_off(sp, 4), tr), ("--min-right-in", "0.9"), 1, "in-process edges right, want"),
        ("truth: abstained cross-process edge fails by default", lambda sp, tr: (split_off(sp, 5), tr), (), 1, "cross-process edges right, want"),
        ("truth: missing span", lambda sp, tr: (sp[:5], tr), (), 1, "spans missing for logged requests"),
        ("truth: same id sent by two requests", lambda sp, tr: (sp, tr + [{"received": "bbb1", "sent": ["bbb2"]}]), (), 1, "sent by the requests"),
    ]


def main():
    failures = 0
    for desc, mut, extra, want_rc, needle in truth_cases():
        spans, truth = truth_spans()
        spans, truth = mut(spans, truth)
        rc, out = run_truth(spans, truth, extra)
        if rc != want_rc or needle not in out:
            failures += 1
            print(f"FAIL (want rc={want_rc} and {needle!r}, got rc={rc}): {desc}\n{out}")
        else:
            print(f"ok   {desc}")
    for desc, sample, mut, expects, extra in GOOD:
        lines = load(sample)
        rc, out = run(mut(lines) if mut else lines, expects, extra)
        if rc != 0:
            failures += 1
            print(f"FAIL (should pass): {desc}\n{out}")
        else:
            print(f"ok   accepts: {desc}")
    for desc, sample, mut, expects, extra, needle in BAD:
        lines = load(sample)
        rc, out = run(mut(lines) if mut else lines, expects, extra)
        if rc != 1 or needle not in out:
            failures += 1
            print(f"FAIL (should reject with {needle!r}, rc={rc}): {desc}\n{out}")
        else:
            print(f"ok   rejects: {desc}")
    # Malformed JSON and usage errors.
    rc, out = run(None, [(1, CHAIN)], raw_text='{"trace_id": \n')
    if rc != 1 or "malformed JSON" not in out:
        failures += 1
        print(f"FAIL (should reject malformed JSON, rc={rc})\n{out}")
    else:
        print("ok   rejects: malformed JSON line")
    rc, out = run(load("good_chain.jsonl"), [(1, "curl:nonsense:GET /a")])
    if rc != 2:
        failures += 1
        print(f"FAIL (bad chain spec should be a usage error, rc={rc})\n{out}")
    else:
        print("ok   rejects: bad chain spec (usage error)")
    total = len(GOOD) + len(BAD) + 2 + len(truth_cases())
    print(f"selftest_check_chains: {total - failures}/{total} cases behave")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
