"""Privacy's notices need an installed sender: the system check says so at start."""

from django.core import checks

from privacy.notices import notices_install


def _notice_errors() -> list[checks.CheckMessage]:
    return [message for message in checks.run_checks() if message.id == "privacy.E001"]


def test_notifications_installs_the_notices_implementation():
    from notifications.notices import OutboxNotices

    previous = notices_install(None)
    notices_install(previous)
    assert isinstance(previous, OutboxNotices)
    assert _notice_errors() == []


def test_system_check_errors_without_an_installed_implementation():
    previous = notices_install(None)
    try:
        errors = _notice_errors()
    finally:
        notices_install(previous)
    assert len(errors) == 1
    assert errors[0].level == checks.ERROR
    assert "notifications" in errors[0].hint
    assert _notice_errors() == []  # restored
