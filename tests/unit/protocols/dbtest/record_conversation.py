#!/usr/bin/env python3
"""Records the conversations of real database clients and servers for the unit tests (*.conv files).

Usage: record_conversation.py LISTEN_PORT UPSTREAM_PORT OUT_PREFIX [CONNECTIONS]
Accepts CONNECTIONS (default 1) connections on 127.0.0.1:LISTEN_PORT one after the other, relays each to
127.0.0.1:UPSTREAM_PORT and writes OUT_PREFIX-<n>.conv: one line per socket read, "C <hex>" for bytes the
client sent, "S <hex>" for bytes the server sent, in the order the relay read them. Standard library only;
not run by the tests (the .conv files are committed), kept to record them again.
"""
import select
import socket
import sys


def relay(client, upstream, out):
    peers = {client: (upstream, "C"), upstream: (client, "S")}
    open_ = {client, upstream}
    while open_:
        ready, _, _ = select.select(list(open_), [], [], 30)
        if not ready:
            break
        for s in ready:
            data = s.recv(65536)
            dst, tag = peers[s]
            if not data:
                open_.clear()
                break
            out.write("%s %s\n" % (tag, data.hex()))
            dst.sendall(data)


def main():
    lport, uport, prefix = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", lport))
    ls.listen(8)
    for n in range(1, count + 1):
        c, _ = ls.accept()
        u = socket.create_connection(("127.0.0.1", uport))
        with open("%s-%d.conv" % (prefix, n), "w") as out:
            out.write("# recorded by record_conversation.py\n")
            relay(c, u, out)
        c.close()
        u.close()


if __name__ == "__main__":
    main()
