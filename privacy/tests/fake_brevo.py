"""A local fake of Brevo's contacts API: the real sib-api-v3-sdk talks to it over HTTP."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeBrevo:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict]] = []
        self.scripted: list[int] = []  # statuses to answer next, then 201
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append((self.path, self.headers.get("api-key", ""), body))
                status = fake.scripted.pop(0) if fake.scripted else 201
                if status >= 300:
                    answer = {"code": "error", "message": "scripted"}
                elif self.path.endswith("/contacts/remove"):
                    answer = {"contacts": {"success": body.get("emails", []), "failure": []}}
                else:
                    answer = {"id": 1}
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v3"

    def __enter__(self) -> "FakeBrevo":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
