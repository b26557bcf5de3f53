"""Checks test_port_reuse.sh's spans and agent counters for one phase.

Usage: check_spans.py PHASE SPANS_JSONL AGENT_LOG PORT REQUESTS
  short  every request (on a new connection) gives one client and one server span, each server span is
         the child of its client span, and no event was taken for a late one of a closed socket.
  reset  every normal request ("GET /ok...") gives one client and one server span, linked; no stream gap,
         nothing out of order; the reads after CLOSE (of the reset requests) were counted as late events.
Prints one line per check; exits 1 if any failed.
"""
import json
import re
import sys


def main():
    phase, spans_path, log_path, port, want = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    spans = [json.loads(line) for line in open(spans_path) if line.strip()]
    log = open(log_path).read()
    mine = [s for s in spans if s["attributes"].get("server.port") == port]
    if phase == "reset":
        mine = [s for s in mine if s["name"].startswith("GET /ok")]
    servers = [s for s in mine if s["kind"] == "server"]
    clients = {s["span_id"] for s in mine if s["kind"] == "client"}
    linked = sum(s["parent_span_id"] in clients for s in servers)

    def counter(name):
        values = re.findall(name + r"=(\d+)", log)
        return int(values[-1]) if values else -1

    fails = []

    def expect(cond, what):
        print(("ok    " if cond else "FAIL  ") + what)
        if not cond:
            fails.append(what)

    expect(len(clients) == want, f"one client span per request ({len(clients)} of {want})")
    expect(len(servers) == want, f"one server span per request ({len(servers)} of {want})")
    expect(linked == want, f"every server span is the child of its client span ({linked} of {want})")
    late = counter("late_events")
    if phase == "short":
        expect(late == 0, f"no event taken for a late one of a closed socket (late_events={late})")
    elif phase == "reset":
        gaps, ooo = counter("stream_gaps"), counter("out_of_order")
        expect(gaps == 0 and ooo == 0, f"no stream gap, nothing out of order (stream_gaps={gaps}, out_of_order={ooo})")
        expect(late > 0, f"the reads after CLOSE were counted as late events ({late})")
    else:
        sys.exit(f"unknown phase {phase}")
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
