"""A stand-in for the DLT SMS gateway that `portal.notify.backends.HttpSmsBackend` posts to,
for the fault test (bench/fault.py). Loopback only, standard library only.

    python bench/fake_sms_gateway.py --port 56401 --log /tmp/x/gateway.jsonl [--delay 0.05]

Every POST is appended to the log (one JSON line, flushed and fsync'ed *before* the reply,
so a SIGKILL never loses a message the portal was told was accepted) with its `client_ref`
(the outbox message id). Like a real gateway it deduplicates on `client_ref`: a request
whose reference it has already accepted — across restarts too, the log is read back at
start — is answered with the first id and `"duplicate": true` and is not "delivered" again.
So the log shows both what the portal sent (every request) and what phones would have got
(the first request per reference).

`--delay` holds every reply for that many seconds after logging it, which widens the window
in which a killed worker has had its message accepted but not yet recorded it as sent.
"""

import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Gateway:
    def __init__(self, log_path: str, delay: float):
        self.log_path = log_path
        self.delay = delay
        self.lock = threading.Lock()
        self.accepted: dict[str, str] = {}
        self.serial = 0
        if os.path.exists(log_path):
            with open(log_path, encoding="utf-8") as f:
                for line in f:
                    try:
                        row = json.loads(line)
                    except ValueError:  # a line cut short by a kill: it was never answered
                        continue
                    self.serial = max(self.serial, row.get("serial", 0))
                    if not row.get("duplicate"):
                        self.accepted[row["client_ref"]] = row["id"]
        self.out = open(log_path, "a", encoding="utf-8")

    def receive(self, payload: dict) -> dict:
        ref = str(payload.get("client_ref", ""))
        with self.lock:
            self.serial += 1
            duplicate = ref in self.accepted
            gateway_id = self.accepted.get(ref) or f"gw-{os.getpid()}-{self.serial}"
            if not duplicate:
                self.accepted[ref] = gateway_id
            row = {"serial": self.serial, "at": time.time(), "pid": os.getpid(), "id": gateway_id,
                   "client_ref": ref, "duplicate": duplicate, "to": payload.get("to", ""),
                   "dlt_template_id": payload.get("dlt_template_id", ""), "text": payload.get("text", "")}
            self.out.write(json.dumps(row, ensure_ascii=False) + "\n")
            self.out.flush()
            os.fsync(self.out.fileno())
        return {"id": gateway_id, "duplicate": duplicate, "status": "accepted"}


def make_handler(gateway: Gateway):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # health check
            self._reply(200, {"ok": True, "accepted": len(gateway.accepted)})

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            try:
                payload = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                self._reply(400, {"error": "bad json"})
                return
            if not payload.get("client_ref") or not payload.get("to"):
                self._reply(400, {"error": "client_ref and to are required"})
                return
            reply = gateway.receive(payload)
            if gateway.delay:
                time.sleep(gateway.delay)
            self._reply(200, reply)

        def _reply(self, status: int, body: dict):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):  # quiet: the JSON log is the record
            pass

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(Gateway(args.log, args.delay)))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
