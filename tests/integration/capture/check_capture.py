#!/usr/bin/env python3
"""Checks a capture_dump log for test_capture_smoke.sh. Prints every failed expectation; exit 1 if any.

usage: check_capture.py LOG --mode socket|syscall --v4-port P --v6-port P --ka-port P --ka-client-pid PID
                        --curls N --ignore-port P --burst N
"""
import argparse
import re
import sys

FAILS = []


def expect(cond, what):
    print(("ok    " if cond else "FAIL  ") + what)
    if not cond:
        FAILS.append(what)


def unescape(s):
    return re.sub(rb"\\x([0-9a-f]{2})", lambda m: bytes([int(m.group(1), 16)]), s.encode()).decode("latin-1")


def parse(path):
    records = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            rec = {"kind": parts[0]}
            for p in parts[1:]:
                k, _, v = p.partition("=")
                rec[k] = v
            if "data" in rec:
                rec["data"] = unescape(rec["data"])
            records.append(rec)
    return records


def port(addr):
    return int(addr.rsplit(":", 1)[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("--v4-port", type=int, required=True)
    ap.add_argument("--v6-port", type=int, required=True)
    ap.add_argument("--ka-port", type=int, required=True)
    ap.add_argument("--ka-client-pid", type=int, required=True)
    ap.add_argument("--curls", type=int, required=True)
    ap.add_argument("--mode", choices=("socket", "syscall"), required=True)
    ap.add_argument("--ignore-port", type=int, required=True)
    ap.add_argument("--burst", type=int, required=True)
    ap.add_argument("--refused-port", type=int, required=True)
    ap.add_argument("--sendfile-port", type=int, required=True)
    args = ap.parse_args()
    recs = parse(args.log)

    stats = [r for r in recs if r["kind"] == "STATS"]
    expect(len(stats) == 1, "capture_dump printed its kernel counters (STATS line)")
    if stats:
        s = stats[0]
        expect(int(s["events"]) > 0 and int(s["events"]) == int(s["received"]),
               f"kernel events counter ({s['events']}) equals records received ({s['received']})")
        expect(s["ringbuf_drops"] == "0", "no ring buffer drops")
        expect(s["malformed"] == "0", "no malformed records")
    expect(not any(r["kind"] == "MALFORMED" for r in recs), "no MALFORMED lines")

    ports = {args.v4_port, args.v6_port, args.ka_port, args.ignore_port, args.refused_port, args.sendfile_port}
    for r in recs:
        if r["kind"] in ("DATA", "CONN", "CLOSE"):
            if port(r["local"]) not in ports and port(r["remote"]) not in ports:
                expect(False, f"port filter let through {r['kind']} {r['local']} -> {r['remote']}")
                break

    for label, p, loopback in (("IPv4", args.v4_port, "127.0.0.1"), ("IPv6", args.v6_port, "[::1]")):
        data = [r for r in recs if r["kind"] == "DATA" and p in (port(r["local"]), port(r["remote"]))]
        conns = [r for r in recs if r["kind"] == "CONN" and p in (port(r["local"]), port(r["remote"]))]
        closes = [r for r in recs if r["kind"] == "CLOSE" and p in (port(r["local"]), port(r["remote"]))]
        cli_conn = [r for r in conns if r["role"] == "1" and port(r["remote"]) == p and int(r["fd"]) > 2]
        expect(len(cli_conn) == args.curls and len(conns) == args.curls,
               f"{label}: {args.curls} connect events, role client, with the connecting fd (got {len(conns)})")
        expect(all(r["comm"] == "curl" and r["pid"] == r["tid"] for r in cli_conn),
               f"{label}: connect events come from the connecting thread (curl)")
        expect(all(r["local"].startswith(loopback + ":") and r["remote"].startswith(loopback + ":") for r in conns),
               f"{label}: connection tuples are {loopback}")
        expect(all(r["netns"] == data[0]["netns"] and int(r["netns"]) > 0 for r in conns + data + closes) if data else False,
               f"{label}: every record names the same network namespace")
        expect(len([r for r in closes if port(r["remote"]) == p]) >= args.curls, f"{label}: client close events")
        expect(len([r for r in closes if port(r["local"]) == p]) >= args.curls, f"{label}: server close events")
        expect(len([r for r in data if r["role"] == "2"]) >= 2 * args.curls,
               f"{label}: server sides carry role server (passive open)")
        cli_tx = [r for r in data if r["role"] == "1" and r["dir"] == "1"]
        srv_rx = [r for r in data if r["role"] == "2" and r["dir"] == "2"]
        srv_tx = [r for r in data if r["role"] == "2" and r["dir"] == "1"]
        cli_rx = [r for r in data if r["role"] == "1" and r["dir"] == "2"]
        expect(len(cli_tx) >= args.curls and all(r["data"].startswith("GET / HTTP/1.1") for r in cli_tx),
               f"{label}: client egress data events begin with 'GET /' ({len(cli_tx)})")
        expect(len(srv_rx) >= args.curls and all(r["data"].startswith("GET / HTTP/1.1") for r in srv_rx),
               f"{label}: server ingress data events begin with 'GET /' ({len(srv_rx)})")
        expect(len(srv_tx) >= args.curls and len(cli_rx) >= args.curls, f"{label}: response data events on both sides")
        expect(all(r["captured"] == r["len"] and r["flags"] == "0" for r in data),
               f"{label}: payloads captured whole, sequence read")
        expect(all(int(r["fd"]) > 2 and r["sys"] in ("1", "2", "3", "4", "5", "6", "7", "8") for r in data),
               f"{label}: data events name the system call and the fd")
        if args.mode == "socket":
            expect(all(r["enter_ns"] == "0" for r in data), f"{label}: socket capture has no syscall entry time")
        else:
            expect(all(0 < int(r["enter_ns"]) <= int(r["ts_ns"]) for r in data),
                   f"{label}: syscall capture has entry <= exit time")
        # Each socket's close is reported once, after its data (a socket's address is reused by later sockets:
        # a socket is its address and tuple).
        key = lambda r: (r["sock"], r["local"], r["remote"])
        for k in {key(r) for r in data}:
            last = max(int(r["ts_ns"]) for r in data if key(r) == k)
            cl = [r for r in closes if key(r) == k]
            expect(len(cl) == 1 and int(cl[0]["ts_ns"]) >= last, f"{label}: socket {k} closed once, after its data")
        # Pair each request by connection (client local port == server remote port): same TCP sequence.
        for c in cli_tx:
            peer = [s for s in srv_rx if port(s["remote"]) == port(c["local"])]
            expect(bool(peer) and peer[0]["seq"] == c["seq"] and peer[0]["len"] == c["len"],
                   f"{label}: request on client port {port(c['local'])}: client write seq {c['seq']} == "
                   f"server read seq {peer[0]['seq'] if peer else '-'}")
        for c in cli_tx:
            cport = port(c["local"])
            tx = [s for s in srv_tx if port(s["remote"]) == cport]
            rx = [r for r in cli_rx if port(r["local"]) == cport]
            expect(bool(tx) and bool(rx) and tx[0]["seq"] == rx[0]["seq"],
                   f"{label}: response on client port {cport}: server write seq {tx[0]['seq'] if tx else '-'} == "
                   f"client read seq {rx[0]['seq'] if rx else '-'}")

    ka = [r for r in recs if r["kind"] == "DATA" and args.ka_port in (port(r["local"]), port(r["remote"]))]
    ka_conns = [r for r in recs if r["kind"] == "CONN" and args.ka_port in (port(r["local"]), port(r["remote"]))]
    expect(not ka_conns, "keep-alive: no connect/accept seen for the connection opened before the capture")
    ka_tx = [r for r in ka if r["pid"] == str(args.ka_client_pid) and r["dir"] == "1"]
    ka_srv_rx = [r for r in ka if r["pid"] != str(args.ka_client_pid) and r["dir"] == "2"]
    expect(len(ka_tx) == 1 and ka_tx[0]["data"].startswith("GET /second HTTP/1.1"),
           f"keep-alive: one client egress event 'GET /second' ({len(ka_tx)})")
    expect(len(ka_srv_rx) == 1 and ka_srv_rx[0]["data"].startswith("GET /second HTTP/1.1"),
           f"keep-alive: one server ingress event 'GET /second' ({len(ka_srv_rx)})")
    expect(bool(ka) and all(r["role"] == "0" for r in ka), "keep-alive: data events carry role 0 (unknown)")
    expect(not any("/first" in r.get("data", "") for r in ka), "keep-alive: nothing from before the capture")
    if ka_tx and ka_srv_rx:
        expect(ka_tx[0]["seq"] == ka_srv_rx[0]["seq"], f"keep-alive: client write seq {ka_tx[0]['seq']} == "
               f"server read seq {ka_srv_rx[0]['seq']}")
    expect(any(r["kind"] == "DATA" and r["dir"] == "1" and args.ka_port == port(r["local"]) for r in ka),
           "keep-alive: server response captured")

    ign = [r for r in recs if r["kind"] == "DATA" and args.ignore_port in (port(r["local"]), port(r["remote"]))]
    ign_req = [r for r in ign if r["dir"] == "1" and port(r["remote"]) == args.ignore_port]
    ign_stat = int(stats[0]["ignored_calls"]) if stats else 0
    # The first request's events reach user space before the verdict can; the next few may be in flight.
    expect(0 < len(ign_req) <= args.burst // 3,
           f"ignore verdict: the client's requests stopped being reported ({len(ign_req)} of {args.burst} reported)")
    expect(ign_stat >= args.burst, f"ignore verdict: the kernel counted skipped socket calls ({ign_stat})")

    # sendfile(2) moves bytes the kernel side cannot copy: reported with length and sequence, no payload,
    # flagged and counted as such (not as a truncation).
    sf = [r for r in recs if r["kind"] == "DATA" and r["dir"] == "1" and port(r["local"]) == args.sendfile_port]
    sf_file = [r for r in sf if r["sys"] == "11"]
    expect(len(sf_file) >= 1 and all(r["captured"] == "0" and int(r["len"]) == 1216 and int(r["flags"]) & 4
                                     and not int(r["flags"]) & 1 for r in sf_file),
           f"sendfile: body reported with its length, no payload, flagged no-payload "
           f"({[(r['len'], r['captured'], r['flags']) for r in sf_file]})")
    expect(any(r["data"].startswith("HTTP/1.1 200") for r in sf), "sendfile: the head written before it is captured")
    expect(stats and int(stats[0]["no_payload"]) >= len(sf_file) > 0,
           f"sendfile: the kernel counted no-payload events ({stats[0]['no_payload'] if stats else '-'})")

    # TCP health: a connect to a port nothing listens on ends as a failed connect, reset by the peer.
    refused = [r for r in recs if r["kind"] == "CLOSE" and port(r["remote"]) == args.refused_port]
    expect(len(refused) == 1 and int(refused[0]["close_flags"]) & 1 and int(refused[0]["close_flags"]) & 4,
           f"refused connect: one close with 'connect failed' and 'reset received' ({[r['close_flags'] for r in refused]})")
    good = [r for r in recs if r["kind"] == "CLOSE" and port(r["remote"]) == args.v4_port]
    expect(bool(good) and all(int(r["connect_ns"]) > 0 and int(r["srtt_us"]) > 0 and int(r["bytes_acked"]) > 0
                              and int(r["close_flags"]) & 1 == 0 for r in good),
           "client closes report connect time, RTT and acknowledged bytes")

    exits = [r for r in recs if r["kind"] == "EXIT" and r["comm"] == "curl"]
    expect(len(exits) >= 2 * args.curls, f"process exit events for the curls ({len(exits)})")
    expect(any(r["kind"] == "EXIT" and r["pid"] == str(args.ka_client_pid) for r in recs),
           "process exit event for the keep-alive client")

    if FAILS:
        print(f"check_capture: {len(FAILS)} expectation(s) failed", file=sys.stderr)
        return 1
    print("check_capture: all expectations met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
