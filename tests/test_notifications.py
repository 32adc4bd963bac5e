"""The outbox: nothing lost when the broker is down, nothing sent twice."""

import datetime
import threading

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Account
from notifications.jobs import deliver_one, deliver_pending
from notifications.models import Notification
from notifications.services import notify


def test_request_succeeds_with_the_broker_down_and_the_sweep_delivers_once(
    client, org, account, broker_down, django_capture_on_commit_callbacks
):
    p = org.people
    client.force_login(p.kommunikationschef)
    data = {
        "display_name": account.display_name,
        "platform": account.platform,
        "url": account.url,
        "kind": account.kind,
        "unit": account.unit_id,
        "responsible": p.medarbetare.pk,
        "substitute": p.outsider.pk,  # a new substitute is told
        "administrators": [p.medarbetare.pk, p.chef.pk, p.kommunikator.pk],
        "purpose": account.purpose,
        "audience": account.audience,
        "language": "svenska",
        "status": account.status,
    }
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(f"/konton/{account.pk}/andra/", data)
    assert response.status_code == 302
    assert len(callbacks) == 1  # the enqueue ran, failed against the dead broker, and was swallowed
    assert Account.objects.get(pk=account.pk).substitute == p.outsider
    notification = Notification.objects.get(recipient=p.outsider)
    assert notification.sent_at is None and mail.outbox == []

    # The broker is back (or not: the sweep sends directly); run the sweep twice.
    assert deliver_pending(timezone.now()) == 1
    assert deliver_pending(timezone.now()) == 0
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [p.outsider.email]
    assert "ersättare" in mail.outbox[0].body
    notification.refresh_from_db()
    assert notification.sent_at is not None


def test_a_failed_send_is_retried_later(org, settings):
    settings.EMAIL_BACKEND = "tests.test_notifications.FailingBackend"
    with_broken = notify(
        org.people.chef, "absence_substitute", {"absence": _absence(org)}, now=timezone.now()
    )
    now = timezone.now()
    assert deliver_pending(now) == 0
    with_broken.refresh_from_db()
    assert (
        with_broken.sent_at is None
        and with_broken.due_at > now
        and "SMTP" in with_broken.last_error
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert deliver_pending(now) == 0  # not due yet
    assert deliver_pending(with_broken.due_at) == 1


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("SMTP-servern svarar inte")


def _absence(org):
    from organisation.models import Absence

    return Absence(
        user=org.people.medarbetare,
        substitute=org.people.chef,
        starts_on="2026-12-01",
        ends_on="2026-12-05",
    )


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_send_once(org):
    notification = notify(
        org.people.chef, "absence_substitute", {"absence": _absence(org)}, now=timezone.now()
    )
    now = timezone.now()
    results = []
    barrier = threading.Barrier(4)

    def worker():
        from django.db import connection

        barrier.wait()
        try:
            results.append(deliver_one(notification.pk, now))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 1
    assert len(mail.outbox) == 1


def test_unread_count_and_list(client, org):
    notify(
        org.people.chef,
        "absence_substitute",
        {"absence": _absence(org)},
        url="/franvaro/",
        now=timezone.now(),
    )
    client.force_login(org.people.chef)
    page = client.get("/aviseringar/").content.decode()
    assert "Du är ersättare för" in page
    assert "olästa" in client.get("/att-gora/").content.decode()
    n = Notification.objects.get()
    response = client.post(f"/aviseringar/{n.pk}/oppna/")
    assert response.status_code == 302 and response["Location"] == "/franvaro/"
    n.refresh_from_db()
    assert n.read_at is not None
    other = org.people.medarbetare
    client.force_login(other)
    assert client.post(f"/aviseringar/{n.pk}/oppna/").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_what_a_commit_enqueued(org):
    """Delivery through the configured broker (Redis in CI) and a real Celery worker."""
    import time

    from celery.contrib.testing.worker import start_worker
    from django.db import transaction

    from config.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        with transaction.atomic():
            notification = notify(
                org.people.chef,
                "absence_substitute",
                {"absence": _absence(org)},
                now=timezone.now(),
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            notification.refresh_from_db()
            if notification.sent_at:
                break
            time.sleep(0.1)
    assert notification.sent_at is not None, "the worker did not deliver the notification"
    assert len(mail.outbox) == 1
    assert deliver_pending(timezone.now()) == 0  # nothing left for the sweep


# A moment far from any machine's clock: what a service writes is its caller's `now`.
FAR = datetime.datetime(2031, 2, 3, 4, 5, tzinfo=datetime.UTC)


def test_notify_writes_the_callers_now(org):
    notification = notify(
        org.people.chef, "absence_substitute", {"absence": _absence(org)}, now=FAR
    )
    notification.refresh_from_db()
    assert notification.created_at == notification.due_at == notification.rendered_at == FAR
    assert deliver_pending(FAR - datetime.timedelta(seconds=1)) == 0
    assert deliver_pending(FAR) == 1


def test_notify_once_records_the_reminder_at_the_callers_now(org):
    from notifications.models import Reminder
    from notifications.services import notify_once

    assert notify_once(
        "test:1",
        "remind",
        [org.people.chef],
        "absence_substitute",
        {"absence": _absence(org)},
        now=FAR,
    )
    assert Reminder.objects.get(subject="test:1").created_at == FAR
    assert Notification.objects.get(recipient=org.people.chef).due_at == FAR


def test_services_write_the_callers_now_everywhere(org):
    """A plan drafted, an account registered, an absence recorded and cancelled: every
    timestamp (rows, events, history, notifications, the plan's year) is the caller's."""
    from accounts.services import register_account
    from activityplans import services as plans
    from organisation import services as people
    from tests.factories import plan_data

    p = org.people
    plan = plans.create_draft(p.medarbetare, plan_data(applicant=p.medarbetare), now=FAR)
    assert plan.created_at == plan.state_changed_at == FAR
    assert plan.reference.startswith("AP-2031-")
    assert [e.at for e in plan.events.all()] == [FAR]

    account = register_account(
        p.kommunikationschef,
        {
            "display_name": "Fjärran",
            "platform": "facebook_sida",
            "url": "https://www.facebook.com/fjarran",
            "kind": "verksamhetskonto",
            "unit": org.bibliotek,
            "responsible": p.medarbetare,
            "status": "aktivt",
            "purpose": "Syfte",
            "audience": "Alla",
        },
        now=FAR,
    )
    assert account.created_at == FAR
    assert account.opened_on == FAR.date()
    assert [h.history_date for h in account.history.all()] == [FAR]
    told = Notification.objects.get(recipient=p.medarbetare, kind="account_role")
    assert told.created_at == told.due_at == FAR

    absence = people.record_absence(p.medarbetare, FAR.date(), FAR.date(), p.chef, now=FAR)
    absence = people.cancel_absence(p.medarbetare, absence.pk, now=FAR)
    assert absence.created_at == absence.cancelled_at == FAR
    assert Notification.objects.get(kind="absence_substitute").due_at == FAR
