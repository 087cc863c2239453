"""Local fake provider servers: real HTTP on 127.0.0.1, so the real SDK code paths run.

Each fake keeps its state in memory, records every request, honours idempotency keys, and
has helpers for the tests to play the customer (complete a checkout, approve in Vipps...).
"""

import itertools
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body or b"{}")

    def form(self) -> dict:
        return dict(parse_qsl(self.body.decode()))


class FakeServer:
    """Base: start a threaded HTTP server; subclasses implement `route`."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.lock = threading.Lock()
        self.counter = itertools.count(1)
        self.fail_next: list[int] = []  # status codes to answer the next requests with
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                return

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                recorded = Recorded(self.command, self.path, dict(self.headers), body)
                with fake.lock:
                    fake.requests.append(recorded)
                    if fake.fail_next:
                        status, payload = fake.fail_next.pop(0), fake.error_body()
                    else:
                        status, payload = fake.route(recorded)
                # A str payload is a page for the browser (the provider's checkout page).
                is_page = isinstance(payload, str)
                data = payload.encode() if is_page else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header(
                    "Content-Type", "text/html; charset=utf-8" if is_page else fake.content_type
                )
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = do_PATCH = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    content_type = "application/json"
    # Where the checkout URLs the fake hands out point: the fake's own origin (it serves the
    # checkout page too), as with a real provider whose API URL is overridden. A test sets
    # another value to play a provider whose checkout moved to a host we do not expect.
    checkout_base = ""
    checkout_path = "/checkout/"
    checkout_title = "Fake checkout"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self.counter):06d}"

    def error_body(self) -> dict:
        return {"error": "fake failure"}

    def checkout_page(self, request: Recorded) -> tuple[int, str] | None:
        """The provider's own checkout page, when a browser test opened it on this origin."""
        if request.method != "GET" or not urlsplit(request.path).path.startswith(
            self.checkout_path
        ):
            return None
        with_id = urlsplit(request.path).path.rsplit("/", 1)[1]
        return 200, (
            f"<!doctype html><title>{self.checkout_title}</title>"
            f'<h1 data-testid="fake-checkout">{self.checkout_title}</h1><p>{with_id}</p>'
        )

    def route(self, request: Recorded) -> tuple[int, dict]:
        raise NotImplementedError

    def calls(self, method: str, path_prefix: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]


class StripeFake(FakeServer):
    checkout_path = "/c/pay/"
    checkout_title = "Fake Stripe Checkout"

    def __init__(self) -> None:
        super().__init__()
        self.sessions: dict = {}
        self.refunds: dict = {}
        self.idempotent: dict = {}

    def error_body(self) -> dict:
        return {"error": {"type": "api_error", "message": "fake outage"}}

    def route(self, request):
        path = urlsplit(request.path).path
        page = self.checkout_page(request)
        if page is not None:
            return page
        key = request.headers.get("Idempotency-Key")
        if request.method == "POST" and key and key in self.idempotent:
            return 200, self.idempotent[key]
        if request.method == "POST" and path == "/v1/checkout/sessions":
            form = request.form()
            session_id = self.next_id("cs_test_")
            session = {
                "id": session_id,
                "object": "checkout.session",
                "url": f"{self.checkout_base or self.url}/c/pay/{session_id}",
                "status": "open",
                "payment_status": "unpaid",
                "amount_total": int(form["line_items[0][price_data][unit_amount]"]),
                "currency": form["line_items[0][price_data][currency]"],
                "client_reference_id": form.get("client_reference_id"),
                "metadata": {"payment": form.get("metadata[payment]")},
                "payment_intent": None,
                "params": form,
            }
            self.sessions[session_id] = session
            self.idempotent[key] = session
            return 200, session
        if request.method == "GET" and path.startswith("/v1/checkout/sessions/"):
            session = self.sessions.get(path.rsplit("/", 1)[1])
            if session is None:
                return 404, {"error": {"type": "invalid_request_error", "message": "No such"}}
            return 200, session
        if request.method == "POST" and path == "/v1/refunds":
            form = request.form()
            refund = {
                "id": self.next_id("re_"),
                "object": "refund",
                "amount": int(form["amount"]),
                "payment_intent": form["payment_intent"],
                "status": "succeeded",
            }
            self.refunds[refund["id"]] = refund
            self.idempotent[key] = refund
            return 200, refund
        if request.method == "GET" and path.startswith("/v1/refunds/"):
            return 200, self.refunds[path.rsplit("/", 1)[1]]
        return 404, {"error": {"type": "invalid_request_error", "message": "Unknown path"}}

    def complete(self, session_id: str) -> dict:
        """The customer pays on the Checkout page."""
        session = self.sessions[session_id]
        session.update(status="complete", payment_status="paid", payment_intent=self.next_id("pi_"))
        return session


class VippsFake(FakeServer):
    checkout_path = "/pay/"
    checkout_title = "Fake Vipps landing page"

    def __init__(self) -> None:
        super().__init__()
        self.payments: dict = {}
        self.idempotent: dict = {}
        self.token = "fake-vipps-token"
        self.webhooks: list = []

    def error_body(self) -> dict:
        return {"title": "fake outage", "status": 503}

    def _money(self, value: int) -> dict:
        return {"currency": "NOK", "value": value}

    def route(self, request):
        path = urlsplit(request.path).path
        headers = {k.lower(): v for k, v in request.headers.items()}
        page = self.checkout_page(request)
        if page is not None:
            return page
        if path == "/accesstoken/get":
            if not (headers.get("client_id") and headers.get("client_secret")):
                return 401, {"error": "unauthorized"}
            return 200, {"access_token": self.token, "expires_in": "3600", "token_type": "Bearer"}
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"title": "Unauthorized"}
        if not headers.get("ocp-apim-subscription-key") or not headers.get(
            "merchant-serial-number"
        ):
            return 401, {"title": "Missing keys"}
        key = headers.get("idempotency-key")
        if request.method == "POST" and key and key in self.idempotent:
            return 200, self.idempotent[key]
        if request.method == "POST" and path == "/webhooks/v1/webhooks":
            self.webhooks.append(request.json())
            return 201, {"id": self.next_id("wh-"), "secret": "registered-secret"}
        if request.method == "POST" and path == "/epayment/v1/payments":
            body = request.json()
            assert body["paymentMethod"]["type"] == "WALLET"
            reference = body["reference"]
            self.payments[reference] = {
                "reference": reference,
                "state": "CREATED",
                "amount": body["amount"],
                "aggregate": {
                    "authorizedAmount": self._money(0),
                    "capturedAmount": self._money(0),
                    "refundedAmount": self._money(0),
                    "cancelledAmount": self._money(0),
                },
                "pspReference": self.next_id("psp-"),
                "request": body,
            }
            answer = {
                "reference": reference,
                "redirectUrl": f"{self.checkout_base or self.url}/pay/{reference}",
            }
            self.idempotent[key] = answer
            return 201, answer
        parts = path.split("/")  # ['', 'epayment', 'v1', 'payments', ref, action?]
        payment = self.payments.get(parts[4]) if len(parts) > 4 else None
        if payment is None:
            return 404, {"title": "Not found"}
        aggregate = payment["aggregate"]
        if request.method == "GET" and len(parts) == 5:
            return 200, payment
        action = parts[5] if len(parts) > 5 else ""
        value = (request.json().get("modificationAmount") or {}).get("value", 0)
        if action == "capture":
            if payment["state"] != "AUTHORIZED":
                return 400, {"title": "Not authorised"}
            aggregate["capturedAmount"] = self._money(aggregate["capturedAmount"]["value"] + value)
        elif action == "refund":
            refundable = aggregate["capturedAmount"]["value"] - aggregate["refundedAmount"]["value"]
            if value > refundable:
                return 400, {"title": "Too much"}
            aggregate["refundedAmount"] = self._money(aggregate["refundedAmount"]["value"] + value)
        elif action == "cancel":
            left = aggregate["authorizedAmount"]["value"] - aggregate["capturedAmount"]["value"]
            aggregate["cancelledAmount"] = self._money(left)
            payment["state"] = "TERMINATED"
        else:
            return 404, {"title": "Unknown action"}
        answer = {
            "reference": payment["reference"],
            "aggregate": aggregate,
            "state": payment["state"],
        }
        if key:
            self.idempotent[key] = answer
        return 200, answer

    def authorize(self, reference: str) -> None:
        """The customer approves the payment in the Vipps app."""
        payment = self.payments[reference]
        payment["state"] = "AUTHORIZED"
        payment["aggregate"]["authorizedAmount"] = self._money(payment["amount"]["value"])


class MollieFake(FakeServer):
    checkout_title = "Fake Mollie checkout"

    def __init__(self) -> None:
        super().__init__()
        self.payments: dict = {}
        self.refunds: dict = {}
        self.idempotent: dict = {}

    content_type = "application/hal+json"

    def error_body(self) -> dict:
        return {"status": 503, "title": "Service Unavailable", "detail": "fake outage"}

    def route(self, request):
        path = urlsplit(request.path).path
        page = self.checkout_page(request)
        if page is not None:
            return page
        if request.headers.get("Authorization") != "Bearer test_fakemolliekey":
            return 401, {"status": 401, "title": "Unauthorized", "detail": "Bad key"}
        key = request.headers.get("Idempotency-Key")
        if request.method == "POST" and key and key in self.idempotent:
            return 201, self.idempotent[key]
        parts = path.split("/")  # ['', 'v2', 'payments', id?, 'refunds'?, refund id?]
        if request.method == "POST" and path == "/v2/payments":
            body = request.json()
            payment_id = self.next_id("tr_fake")
            checkout = self.checkout_base or self.url
            payment = {
                "resource": "payment",
                "id": payment_id,
                "status": "open",
                "amount": body["amount"],
                "description": body["description"],
                "redirectUrl": body["redirectUrl"],
                "webhookUrl": body.get("webhookUrl"),
                "metadata": body.get("metadata"),
                "_links": {"checkout": {"href": f"{checkout}/checkout/{payment_id}"}},
            }
            self.payments[payment_id] = payment
            self.idempotent[key] = payment
            return 201, payment
        payment = self.payments.get(parts[3]) if len(parts) > 3 else None
        if payment is None:
            return 404, {"status": 404, "title": "Not Found", "detail": "No payment"}
        if request.method == "GET" and len(parts) == 4:
            return 200, payment
        if request.method == "POST" and parts[4:] == ["refunds"]:
            body = request.json()
            refund = {
                "resource": "refund",
                "id": self.next_id("re_fake"),
                "status": "pending",
                "amount": body["amount"],
                "paymentId": payment["id"],
            }
            self.refunds[refund["id"]] = refund
            self.idempotent[key] = refund
            return 201, refund
        if request.method == "GET" and len(parts) == 6 and parts[4] == "refunds":
            return 200, self.refunds[parts[5]]
        return 404, {"status": 404, "title": "Not Found", "detail": "Unknown path"}

    def set_status(self, payment_id: str, status: str) -> None:
        payment = self.payments[payment_id]
        payment["status"] = status
        if status == "paid":
            payment["paidAt"] = "2026-01-01T12:00:00+00:00"
