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
]


def main():
    failures = 0
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
    total = len(GOOD) + len(BAD) + 2
    print(f"selftest_check_chains: {total - failures}/{total} cases behave")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
