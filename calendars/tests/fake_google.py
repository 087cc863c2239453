"""A local stand-in for Google's token endpoint and Calendar API v3, started by the tests.

The real google-api-python-client and google-auth code talks to it over HTTP (through
GOOGLE_CALENDAR_API_URL / GOOGLE_OAUTH_TOKEN_URL). It keeps inserted events, records every
request, and can be told to fail the next calls (`fail_next`) or to answer lists with
prepared pages (`list_pages`).
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

EVENTS = re.compile(r"^/calendar/v3/calendars/(?P<cal>[^/]+)/events(?:/(?P<event>[^/]+))?$")


class FakeGoogle:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.events: dict[str, dict] = {}
        self.inserts = 0
        # (method, path fragment, status, body) consumed one by one before normal handling.
        self.failures: deque[tuple[str, str, int, dict]] = deque()
        self.list_pages: deque[tuple[int, dict]] = deque()
        self.refresh_error = ""
        self.refreshes = 0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> FakeGoogle:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, method: str, fragment: str, status: int, body: dict | None = None):
        self.failures.append((method, fragment, status, body or {"error": {"code": status}}))

    def calls(self, method: str | None = None, fragment: str = "") -> list[dict]:
        return [
            r
            for r in self.requests
            if (method is None or r["method"] == method) and fragment in r["path"]
        ]

    # --- HTTP -----------------------------------------------------------------------------
    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                return

            def _reply(self, status: int, body: dict | None = None) -> None:
                payload = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                if payload:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _handle(self, method: str) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                is_form = "form" in (self.headers.get("Content-Type") or "")
                body = {}
                if raw:
                    body = (
                        {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                        if is_form
                        else json.loads(raw)
                    )
                record = {
                    "method": method,
                    "path": unquote(parts.path),
                    "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
                    "body": body,
                    "authorization": self.headers.get("Authorization", ""),
                }
                with fake.lock:
                    fake.requests.append(record)
                    status, answer = fake.respond(record)
                self._reply(status, answer)

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

            def do_PATCH(self):
                self._handle("PATCH")

            def do_DELETE(self):
                self._handle("DELETE")

        return Handler

    def respond(self, request: dict) -> tuple[int, dict | None]:
        method, path, body = request["method"], request["path"], request["body"]
        if path == "/token":
            self.refreshes += 1
            if self.refresh_error:
                return 400, {"error": self.refresh_error, "error_description": "Bad Request"}
            answer = {
                "access_token": f"ya29.fresh-{self.refreshes}",
                "expires_in": 3599,
                "token_type": "Bearer",
            }
            if body.get("grant_type") == "authorization_code":
                answer["refresh_token"] = "1//refresh-from-code"
            return 200, answer
        for index, (fail_method, fragment, status, fail_body) in enumerate(self.failures):
            if fail_method == method and fragment in path:
                del self.failures[index]
                return status, fail_body
        if path == "/calendar/v3/channels/stop":
            return 204, None
        match = EVENTS.match(path)
        if not match:
            return 404, {"error": {"code": 404, "message": "Not Found"}}
        event_id = match["event"]
        if event_id == "watch" and method == "POST":
            return 200, {
                "kind": "api#channel",
                "id": body["id"],
                "resourceId": "fake-resource-id",
                "expiration": "4102444800000",
            }
        if event_id is None and method == "GET":
            if self.list_pages:
                return self.list_pages.popleft()
            return 200, {"items": [], "nextSyncToken": "sync-empty"}
        if event_id is None and method == "POST":
            if body.get("id") in self.events:
                return 409, {
                    "error": {
                        "code": 409,
                        "message": "The requested identifier already exists.",
                        "errors": [{"reason": "duplicate"}],
                    }
                }
            self.inserts += 1
            self.events[body["id"]] = {**body, "status": "confirmed"}
            return 200, self.events[body["id"]]
        if event_id not in self.events:
            return 404, {"error": {"code": 404, "message": "Not Found"}}
        if method == "PATCH":
            self.events[event_id] = {**self.events[event_id], **body}
            return 200, self.events[event_id]
        if method == "DELETE":
            del self.events[event_id]
            return 204, None
        return 405, {"error": {"code": 405}}
