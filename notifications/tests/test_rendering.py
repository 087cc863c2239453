"""Plain-text bodies are plain text: no HTML entities; the HTML part stays escaped."""

import pytest

from bookings.services import booking_create
from notifications.models import Message
from notifications.rendering import message_render
from notifications.services import message_deliver

from .conftest import at, next_monday

pytestmark = pytest.mark.django_db


def test_booking_texts_show_ampersands_and_html_stays_escaped(sms_customer, service):
    supplier = service.supplier
    supplier.name = 'Hår & Hud <"Nord">'
    supplier.save(update_fields=["name"])
    booking = booking_create(customer=sms_customer, service=service, start=at(next_monday(), 10))

    rows = Message.objects.filter(booking=booking, template_key="booking_confirmation")
    # A customer's booking messages are rendered by the worker that sends them.
    for row in rows:
        assert message_deliver(message_id=row.pk) == Message.Status.SENT
    sms = rows.get(channel=Message.Channel.SMS)
    email = rows.get(channel=Message.Channel.EMAIL)
    assert 'hos Hår & Hud <"Nord">' in sms.body_text
    assert 'Hår & Hud <"Nord">' in email.subject
    assert 'Hår & Hud <"Nord">' in email.body_text
    for text in (sms.body_text, email.subject, email.body_text):
        assert "&amp;" not in text and "&lt;" not in text and "&quot;" not in text
    assert "Hår &amp; Hud &lt;&quot;Nord&quot;&gt;" in email.body_html
    assert 'Hud <"Nord">' not in email.body_html


def test_text_templates_of_every_app_render_unescaped():
    context = {"contact_subject": "Pris & tid", "contact_name": "Ola <O>", "message": "a & b"}
    rendered = message_render(
        template_key="contact_message", channel="email", language="nb", context=context
    )
    assert "Pris & tid" in rendered.subject
