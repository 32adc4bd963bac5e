"""E-mails that say what is true: the deadline itself, one full stop, a sender with the
kommun's name."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from archive import services as archive_services
from archive.capture import CaptureRefused
from archive.models import Reason
from notifications.jobs import deliver_pending

from . import test_moderation
from .test_moderation import at, new_item, sweep

team, desk = test_moderation.team, test_moderation.desk  # the desk's fixtures

pytestmark = pytest.mark.django_db


def test_a_late_reminder_names_the_deadline_not_twelve_hours(team, desk, settings):
    settings.DEFAULT_FROM_EMAIL = "kanalkoll@testby.se"
    now = at(2026, 11, 18, 10, 0)
    # Entered with 7 h 49 min left: the 12-hour reminder goes out at once.
    posted = now - datetime.timedelta(hours=40, minutes=11)
    new_item(desk, now, posted_at=posted)
    mail.outbox.clear()
    sweep(now)
    deliver_pending(now)
    [message] = [m for m in mail.outbox if "Hanteras senast" in m.subject]
    assert "12 timmar" not in message.subject + message.body
    assert "18 november 2026 17:49" in message.body
    assert message.from_email == "Testby kommun – Kanalkoll <kanalkoll@testby.se>"
    header = message.message()["From"]
    assert "kanalkoll@testby.se" in header and "=?utf-8?" in header.lower()


def test_a_sender_named_in_the_setting_is_kept(team, desk, settings):
    from notifications.jobs import sender

    settings.DEFAULT_FROM_EMAIL = "Kommunikation <info@testby.se>"
    assert sender() == "Kommunikation <info@testby.se>"


def test_the_upload_request_has_one_full_stop_after_the_reason(org, account, fake_capture):
    p = org.people
    fake_capture.outcome = CaptureRefused("Inloggning krävs för att se sidan.")
    snapshot = archive_services.request_snapshot(
        p.medarbetare, account.pk, Reason.ON_DEMAND, now=timezone.now()
    )
    now = timezone.now()
    archive_services.capture_one(snapshot.pk, now=now)
    deliver_pending(now + datetime.timedelta(minutes=1))
    bodies = [m.body for m in mail.outbox if "Inloggning krävs" in m.body]
    assert bodies
    for body in bodies:
        assert ".)." not in body and "Orsak: Inloggning krävs för att se sidan.\n" in body


def test_development_mail_is_printed_readably():
    import io

    from django.core.mail import EmailMultiAlternatives

    from config.mail import ReadableConsoleBackend

    out = io.StringIO()
    message = EmailMultiAlternatives(
        "Påminnelse: Biblioteken i Ekdala",
        "Hej Åsa!\n\nÖppna i Kanalkoll: http://127.0.0.1:8000/konton/1/",
        "Ekdala kommun – Kanalkoll <kanalkoll@kommun.example>",
        ["asa@ekdala.example"],
    )
    message.attach_alternative("<p>Hej Åsa!</p>", "text/html")
    assert ReadableConsoleBackend(stream=out).send_messages([message]) == 1
    text = out.getvalue()
    assert "Ämne:   Påminnelse: Biblioteken i Ekdala" in text
    assert "Hej Åsa!" in text and "Från:   Ekdala kommun – Kanalkoll" in text
    assert "=?utf-8?" not in text and "Content-Transfer-Encoding" not in text


def test_the_default_email_url_prints_readably(settings):
    from config import settings as project_settings

    if project_settings.env.str("EMAIL_URL", default="consolemail://") == "consolemail://":
        assert (
            project_settings.EMAIL_CONFIG["EMAIL_BACKEND"] == "config.mail.ReadableConsoleBackend"
        )
