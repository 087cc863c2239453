"""One local HTTP server playing Brevo, Stripe and Twilio for erasure propagation tests.

The real SDKs (sib_api_v3_sdk, stripe, twilio) talk to it through the base-URL settings.
"""

from urllib.parse import parse_qs, unquote, urlsplit

from payments.tests.fakes import FakeServer


class ProcessorsFake(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.brevo_contacts = set()
        self.stripe_customers: dict[str, str] = {}  # id -> email
        self.twilio_messages = set()
        self.emails_sent: list[dict] = []  # Brevo transactional e-mails: {"to", "subject", "text"}

    def error_body(self) -> dict:
        return {"error": {"type": "api_error", "message": "fake outage"}}

    def route(self, request):
        parts = urlsplit(request.path)
        path = parts.path
        if path.startswith("/v3/contacts/") and request.method == "DELETE":
            email = unquote(path.removeprefix("/v3/contacts/"))
            if email not in self.brevo_contacts:
                return 404, {"code": "document_not_found", "message": "Contact does not exist"}
            self.brevo_contacts.discard(email)
            return 200, {}
        if path == "/v1/customers" and request.method == "GET":
            email = parse_qs(parts.query).get("email", [""])[0]
            data = [
                {"id": cid, "object": "customer", "email": e}
                for cid, e in self.stripe_customers.items()
                if e == email
            ]
            return 200, {"object": "list", "data": data, "has_more": False, "url": "/v1/customers"}
        if path.startswith("/v1/customers/") and request.method == "DELETE":
            cid = path.rsplit("/", 1)[1]
            if self.stripe_customers.pop(cid, None) is None:
                return 404, {"error": {"type": "invalid_request_error", "message": "No such"}}
            return 200, {"id": cid, "object": "customer", "deleted": True}
        if path == "/v3/smtp/email" and request.method == "POST":
            data = request.json()
            self.emails_sent.append(
                {
                    "to": [item["email"] for item in data.get("to", [])],
                    "subject": data.get("subject", ""),
                    "text": data.get("textContent", ""),
                }
            )
            return 201, {"messageId": f"<fake-{len(self.emails_sent)}@smtp-relay.example>"}
        if "/Messages/" in path and request.method == "DELETE":
            sid = path.rsplit("/", 1)[1].removesuffix(".json")
            if sid not in self.twilio_messages:
                return 404, {"code": 20404, "message": "not found", "status": 404}
            self.twilio_messages.discard(sid)
            return 200, {}
        return 404, {"message": f"unexpected {request.method} {path}"}
