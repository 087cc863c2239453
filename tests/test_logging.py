import logging

from bookingtjeneste.logging import RedactPersonalDataFilter, redact


def test_redact_removes_email_phone_and_ip():
    text = redact("user kari.nordmann@example.no phoned +47 912 34 567 from 192.168.10.24")
    assert "kari" not in text and "912" not in text and "192.168" not in text
    assert "[email]" in text and "[phone]" in text and "[ip]" in text


def test_filter_redacts_arguments_and_tracebacks():
    try:
        raise ValueError("bad address ola@example.com")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "sent to %s", ("+4791234567",), sys.exc_info()
        )
    assert RedactPersonalDataFilter().filter(record)
    assert record.getMessage() == "sent to [phone]"
    assert "ola@example.com" not in record.exc_text


def test_filter_redacts_every_extra_field_and_keeps_numbers():
    class Request:  # what Django's django.request records carry: the URL in its repr
        def __repr__(self) -> str:
            return "<WSGIRequest: GET '/proof/?subject=kari@example.no&phone=91234567'>"

    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Forbidden", (), None
    )
    record.request = Request()
    record.status_code = 403
    record.data = {"args": ["+47 912 34 567", 7], "ip": "10.1.2.3", "when": "2026-11-30"}
    assert RedactPersonalDataFilter().filter(record)
    assert "kari" not in record.request and "91234567" not in record.request
    assert record.status_code == 403
    assert record.data == {"args": ["[phone]", 7], "ip": "[ip]", "when": "2026-11-30"}


def test_a_plain_norwegian_mobile_number_is_redacted_but_dates_and_ids_are_not():
    assert redact("ring 91234567 i dag") == "ring [phone] i dag"
    assert redact("sweep as of 2026-11-30, booking 1234") == "sweep as of 2026-11-30, booking 1234"
    assert redact("at 10:00:00 ref BK-7Q4M2X") == "at 10:00:00 ref BK-7Q4M2X"


def test_percent_encoded_addresses_and_numbers_in_urls_are_redacted():
    line = '"GET /s/kari%40example.com/?tlf=%2B47%20912%2034%20567&b=sms-4791234567 HTTP/1.1" 404'
    text = redact(line)
    assert "kari" not in text and "912" not in text and "4791234567" not in text
    assert text.count("[email]") == 1 and text.count("[phone]") == 2
