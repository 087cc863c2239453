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
