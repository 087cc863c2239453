"""Local fake provider APIs (Twilio, Brevo) for tests and the outbox benchmark.

A ThreadingHTTPServer on 127.0.0.1 that records every request and answers like the provider.
The official SDKs talk to it through TWILIO_API_URL / BREVO_API_URL, so their whole request
path (auth, encoding, error parsing) runs. Scripted responses (`fail_next`) simulate outages
and provider errors; `hold` blocks requests so a test can kill a worker mid-send.
"""

import base64
import json
import select
import socket
import threading
import uuid
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict
    body: bytes
    # Form fields (Twilio) or the JSON document (Brevo).
    data: dict = field(default_factory=dict)
    # Whether the fake accepted it (answered 2xx): only those count as sent.
    accepted: bool = False


class FakeProvider:
    """Start with `with FakeProvider() as fake:`; `fake.url` is the base URL."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.lock = threading.Lock()
        self._scripted: list[tuple[int, dict]] = []
        self.hold = threading.Event()
        self.hold.set()  # set = requests pass; clear() to make them wait
        self.request_arrived = threading.Event()
        self.verification_codes: dict[str, str] = {}
        self.verification_checks: dict[str, int] = {}
        # Messages Twilio accepted (newest last), for the Messages list endpoint; and Brevo's
        # idempotency keys with the message id first returned for each.
        self.twilio_messages: list[dict] = []
        self.brevo_idempotency: dict[str, str] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # TCP_NODELAY: the headers and the body go out as separate writes, and with Nagle on
            # the body waits for the client's delayed ACK (~40 ms per request on Linux).
            disable_nagle_algorithm = True

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                fake._handle(self)

            def do_GET(self) -> None:
                fake._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeProvider":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.hold.set()
        self.server.shutdown()
        self.server.server_close()

    # --- scripting ---------------------------------------------------------------------------
    def fail_next(self, status: int, body: dict | bytes | None = None, times: int = 1) -> None:
        """The next `times` requests get `status` with `body` (a JSON object, or raw bytes)."""
        with self.lock:
            self._scripted.extend([(status, body or {"message": "scripted failure"})] * times)

    # --- inspection --------------------------------------------------------------------------
    def accepted(self, path_contains: str = "") -> list[RecordedRequest]:
        with self.lock:
            return [r for r in self.requests if r.accepted and path_contains in r.path]

    def sms_sent(self) -> list[RecordedRequest]:
        return [r for r in self.accepted("/Messages.json") if r.method == "POST"]

    def emails_sent(self) -> list[RecordedRequest]:
        return self.accepted("/smtp/email")

    def emails_delivered(self) -> int:
        """Distinct e-mails Brevo would deliver: a repeated idempotencyKey is one e-mail."""
        keys = [(r.data.get("headers") or {}).get("idempotencyKey") for r in self.emails_sent()]
        return len({key for key in keys if key}) + keys.count(None)

    # --- the server side ---------------------------------------------------------------------
    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        path = urlparse(handler.path).path
        if handler.headers.get("Content-Type", "").startswith("application/json"):
            data = json.loads(body or b"{}")
        else:
            data = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(body.decode()).items()}
        record = RecordedRequest(handler.command, path, dict(handler.headers), body, data)
        with self.lock:
            self.requests.append(record)
        self.request_arrived.set()
        self.hold.wait(timeout=60)
        with self.lock:
            scripted = self._scripted.pop(0) if self._scripted else None
        if scripted:
            status, payload = scripted
        else:
            query = parse_qs(urlparse(handler.path).query) if handler.command == "GET" else None
            status, payload = self._answer(path, data, query)
        encoded = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        if _client_gone(handler):
            return  # the client went away while held (killed worker): nothing was accepted
        # Marked before the response is written: the client may act on it at once.
        with self.lock:
            record.accepted = 200 <= status < 300
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(encoded)))
            handler.end_headers()
            handler.wfile.write(encoded)
            handler.wfile.flush()
        except OSError:
            with self.lock:
                record.accepted = False  # the client went away: nothing was accepted

    def _answer(self, path: str, data: dict, query: dict | None = None) -> tuple[int, dict]:
        if path.endswith("/Messages.json") and query is not None:
            # GET: the account's messages, newest first, filtered by To like Twilio does.
            to = (query.get("To") or [None])[0]
            found = [m for m in reversed(self.twilio_messages) if to in (None, m["to"])]
            return 200, {"messages": found, "next_page_uri": None, "page": 0, "page_size": 50}
        if path.endswith("/Messages.json"):
            sid = "SM" + uuid.uuid4().hex
            record = {
                "sid": sid,
                "status": "accepted",
                "to": data.get("To"),
                "body": data.get("Body"),
                "messaging_service_sid": data.get("MessagingServiceSid"),
                "num_segments": "1",
                "error_code": None,
                "date_created": formatdate(usegmt=True),
            }
            self.twilio_messages.append(record)
            return 201, record
        if path.endswith("/Verifications"):
            to = data.get("To", "")
            self.verification_codes[to] = "123456"
            self.verification_checks[to] = 0
            return 201, {"sid": "VE" + uuid.uuid4().hex, "to": to, "status": "pending"}
        if path.endswith("/VerificationCheck"):
            to = data.get("To", "")
            if to not in self.verification_codes:
                return 404, {"code": 20404, "message": "not found", "status": 404}
            self.verification_checks[to] += 1
            if data.get("Code") == self.verification_codes[to]:
                del self.verification_codes[to]
                return 200, {"sid": "VE1", "to": to, "status": "approved", "valid": True}
            if self.verification_checks[to] >= 5:
                del self.verification_codes[to]
            return 200, {"sid": "VE1", "to": to, "status": "pending", "valid": False}
        if path.endswith("/smtp/email"):
            # Brevo processes a request once per idempotencyKey (within its TTL).
            key = (data.get("headers") or {}).get("idempotencyKey")
            if key and key in self.brevo_idempotency:
                return 201, {"messageId": self.brevo_idempotency[key]}
            message_id = f"<{uuid.uuid4().hex}@smtp-relay.mailin.fr>"
            if key:
                self.brevo_idempotency[key] = message_id
            return 201, {"messageId": message_id}
        return 404, {"message": f"no fake for {path}"}


def _client_gone(handler: BaseHTTPRequestHandler) -> bool:
    readable, _, _ = select.select([handler.connection], [], [], 0)
    if not readable:
        return False
    try:
        return handler.connection.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


def brevo_attachment_text(request: RecordedRequest, name_suffix: str = ".ics") -> str:
    for item in request.data.get("attachment") or []:
        if item["name"].endswith(name_suffix):
            return base64.b64decode(item["content"]).decode()
    raise AssertionError(f"no {name_suffix} attachment")
