"""Ground truth of the chain tests: ids passed downstream and the log of what each request caused.

A service that received request id R calls downstream with ids derived from R by a hash (never R itself,
so the agent cannot link by content), and logs one JSON line per request it served:
    {"service": NAME, "received": R, "sent": [X1, X2, ...]}
tests/integration/lib/check_chains.py --truth builds the true call tree from these lines.
"""
import hashlib
import json
import os
import threading


def child_id(received, index):
    return hashlib.sha1(f"{received}:{index}".encode()).hexdigest()[:16]


class TruthLog:
    def __init__(self, path, service):
        self.service = service
        self.lock = threading.Lock()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self.f = os.fdopen(fd, "a", buffering=1)

    def log(self, received, sent):
        line = json.dumps({"service": self.service, "received": received, "sent": list(sent)})
        with self.lock:
            self.f.write(line + "\n")
