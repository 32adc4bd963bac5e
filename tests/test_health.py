"""/healthz reports each part: database, broker, a worker on every queue,
exactly one beat, the outbox. The real workers and beat answering are in
tests/test_production_smoke.py; here their answers are given."""

import datetime

import pytest
from django.utils import timezone

from config import health
from notifications.models import Notification


@pytest.fixture(autouse=True)
def _fresh_answers():
    health.forget_nodes()
    yield
    health.forget_nodes()


def answers(monkeypatch, queues, beats):
    monkeypatch.setattr(health, "_ask_nodes", lambda: {"queues": queues, "beats": beats})


def test_every_part_ok(client, db, monkeypatch):
    default = health.expected_queues()
    # The default queue and the pdf queue (under Redis the test run's own copies of them,
    # tests/conftest.py).
    (pdf,) = [q for q in default if q.endswith("pdf")]
    assert len(default) == 2
    (other,) = [q for q in default if q != pdf]
    answers(monkeypatch, {"default@srv": [other], "pdf@srv": [pdf]}, ["celerybeat@srv"])
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["workers"] == {
        "ok": True,
        "detail": "",
        "queues": {other: ["default@srv"], pdf: ["pdf@srv"]},
    }
    assert body["beat"]["ok"] is True and body["beat"]["nodes"] == ["celerybeat@srv"]
    assert body["outbox"] == {"ok": True, "detail": "", "pending": 0, "oldest_waiting_seconds": 0}
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_missing_worker_a_second_beat_and_a_stuck_outbox_are_degraded_not_503(
    client, org, monkeypatch
):
    answers(monkeypatch, {"pdf@srv": ["pdf"]}, ["celerybeat@a", "celerybeat@b"])
    now = timezone.now()
    Notification.objects.create(
        recipient=org.people.chef,
        kind="plan_waiting",
        subject="Väntar",
        body_text="Text",
        created_at=now - datetime.timedelta(hours=1),
        due_at=now - datetime.timedelta(minutes=20),
    )
    response = client.get("/healthz")
    assert response.status_code == 200  # the pages still work: the proxy keeps this node
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"]["ok"] and body["broker"]["ok"]
    assert body["workers"]["ok"] is False and body["workers"]["detail"].startswith("no worker for")
    assert body["beat"] == {
        "ok": False,
        "detail": "more than one beat: celerybeat@a, celerybeat@b",
        "nodes": ["celerybeat@a", "celerybeat@b"],
        "last_run_at": None,
    }
    assert body["outbox"]["ok"] is False and body["outbox"]["pending"] == 1
    assert body["outbox"]["oldest_waiting_seconds"] >= 20 * 60


def test_no_answer_at_all(client, db, monkeypatch):
    answers(monkeypatch, {}, [])
    body = client.get("/healthz").json()
    assert body["status"] == "degraded"
    assert body["beat"]["detail"] == "no beat answers"
    assert all(names == [] for names in body["workers"]["queues"].values())


def test_the_answers_are_asked_for_at_most_every_ten_seconds(db, monkeypatch):
    calls = []

    def ask():
        calls.append(1)
        return {"queues": {}, "beats": []}

    monkeypatch.setattr(health, "_ask_nodes", ask)
    clock = iter([0.0, 5.0, 11.0, 11.0]).__next__  # stored, cached, asked again
    health.nodes(clock)
    health.nodes(clock)
    health.nodes(clock)
    assert len(calls) == 2


def test_plain_http_from_the_proxy_or_a_probe_is_not_redirected(client, db, settings, monkeypatch):
    answers(monkeypatch, {}, [])
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/att-gora/").status_code == 301
