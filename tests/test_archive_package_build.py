"""The period package is built by the worker on the pdf queue, never in a web request:
the period page asks for it, shows the build's progress, then the download link; one
package per period and content, reused while nothing changed, built again when
something did."""

import datetime
import time

import pytest
from django.utils import timezone

from archive import builds, jobs
from archive.models import Package, PackageBuild

from .test_archive_package import PERIOD, other_account, seal, snapshots  # noqa: F401
from .test_archive_views import page_text

URL = "/arkiv/period/2026-H2/"
BUILD = "/arkiv/period/2026-H2/paket/bygg/"
STATUS = "/arkiv/period/2026-H2/paket/status.json"
DOWNLOAD = "/arkiv/period/2026-H2/paket.zip"


@pytest.fixture
def arkivarie(client, org, snapshots):  # noqa: F811
    client.force_login(org.people.arkivarie)
    return org.people.arkivarie


@pytest.fixture
def enqueued(monkeypatch):
    """The builds handed to the pdf queue (no worker here: the tests play its part)."""
    handed = []
    monkeypatch.setattr(builds, "_hand_to_worker", handed.append)
    return handed


def test_not_built_the_page_offers_the_build_and_the_download_does_not_build(
    client, arkivarie, enqueued
):
    text = page_text(client.get(URL))
    assert "Paketet är inte byggt än." in text and "Bygg leveranspaket" in text
    assert client.get(STATUS).json() == {
        "state": "none",
        "done": 0,
        "total": 0,
        "percent": 0,
        "waiting": False,
    }
    answer = client.get(DOWNLOAD)  # a GET never builds, however small the period
    assert answer.status_code == 302 and answer["Location"] == URL
    assert "inte byggt" in page_text(client.get(URL))
    assert not Package.objects.exists() and not PackageBuild.objects.exists()


def test_asking_queues_one_build_however_often_asked(
    client, arkivarie, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(BUILD)
    assert answer.status_code == 302 and answer["Location"] == f"{URL}#paket"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(BUILD)  # waiting already: the same build, not handed over again
    (build,) = PackageBuild.objects.all()
    assert enqueued == [build.pk]  # handed over once, on commit
    page = client.get(URL)
    text = page_text(page)
    assert "Paketet väntar på att byggas." in text and "Uppdatera sidan" in text
    assert 'data-package-status="/arkiv/period/2026-H2/paket/status.json"' in page.content.decode()
    assert "js/package-progress" in page.content.decode()
    assert client.get(STATUS).json()["state"] == "queued"


def test_building_shows_the_progress(client, arkivarie, enqueued):
    client.post(BUILD)
    build = PackageBuild.objects.get()
    now = timezone.now()
    PackageBuild.objects.filter(pk=build.pk).update(
        started_at=now, claimed_until=now + datetime.timedelta(hours=1), done=2, total=3
    )
    page = client.get(URL)
    html = page.content.decode()
    assert "Paketet byggs: 2 av 3 ögonblicksbilder." in page_text(page)
    assert 'aria-valuenow="67"' in html and "w-pct-67" in html
    assert 'data-building-text="Paketet byggs: %(done)s av %(total)s ögonblicksbilder."' in html
    assert client.get(STATUS).json() == {
        "state": "building",
        "done": 2,
        "total": 3,
        "percent": 67,
        "waiting": True,
    }
    # A worker that died: its claim runs out and the build waits for the sweep again.
    PackageBuild.objects.filter(pk=build.pk).update(claimed_until=now - datetime.timedelta(1))
    assert client.get(STATUS).json()["state"] == "queued"
    assert builds.waiting_builds(now) == [build.pk]


def test_ready_the_page_links_the_download_and_asking_again_reuses_it(client, arkivarie, enqueued):
    client.post(BUILD)
    assert enqueued == []  # on commit, which this test's transaction never reaches
    build = PackageBuild.objects.get()
    package = builds.build_requested(build.pk, now=timezone.now())  # the worker's part
    assert package is not None and package.version == 1
    build.refresh_from_db()
    assert build.package == package and build.done == build.total == 3
    assert builds.build_requested(build.pk, now=timezone.now()) is None  # done: nothing
    page = client.get(URL)
    assert "Version 1 är byggd med periodens nuvarande innehåll (3 ögonblicksbilder)." in (
        page_text(page)
    )
    assert 'href="/arkiv/period/2026-H2/paket.zip"' in page.content.decode()
    assert client.get(STATUS).json() == {
        "state": "ready",
        "done": 0,
        "total": 0,
        "percent": 100,
        "waiting": False,
    }
    answer = client.post(BUILD, follow=True)
    assert "redan byggt" in page_text(answer)
    assert Package.objects.count() == 1 and PackageBuild.objects.count() == 1
    download = client.get(DOWNLOAD)
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert b"".join(download.streaming_content) == package.file.open("rb").read()
    download.close()  # last: closing ends the request, and with it the test's connection


def test_stale_when_the_content_changed_and_built_again(
    client, org, arkivarie, enqueued, django_capture_on_commit_callbacks
):
    client.post(BUILD)
    builds.build_requested(PackageBuild.objects.get().pk, now=timezone.now())
    seal(other_account(org, "Nytt konto"))  # sealed after the package was built
    text = page_text(client.get(URL))
    assert "Periodens innehåll har ändrats sedan version 1 byggdes." in text
    assert "Bygg leveranspaket" in text
    assert client.get(DOWNLOAD).status_code == 302  # the old content is not handed out
    with django_capture_on_commit_callbacks(execute=True):
        client.post(BUILD)
    new_build = PackageBuild.objects.latest("pk")
    assert PackageBuild.objects.count() == 2 and enqueued[-1] == new_build.pk
    package = builds.build_requested(new_build.pk, now=timezone.now())
    assert package.version == 2 and len(package.snapshots) == 4
    assert Package.objects.count() == 2  # version 1 is kept, as handed out
    assert "Version 2 är byggd" in page_text(client.get(URL))


def test_a_build_whose_hand_over_failed_is_built_by_the_sweep(client, arkivarie, broker_down):
    client.post(BUILD)  # the broker is down: the build waits in the database
    (build,) = PackageBuild.objects.all()
    assert build.package is None
    assert jobs.build_waiting_packages(timezone.now()) == 1
    assert jobs.build_waiting_packages(timezone.now()) == 0  # a rerun builds nothing
    build.refresh_from_db()
    assert build.package.content_sha256 == build.content_sha256


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_the_pdf_queue_builds_what_the_page_asked_for(
    client,
    org,
    snapshots,  # noqa: F811
):
    """The POST hands the build to the pdf queue on commit; a real Celery worker
    consuming that queue (through the configured broker) builds and records it."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    queue = app.conf.task_routes["archive.tasks.*"]["queue"]  # pdf (its own in tests)
    client.force_login(org.people.arkivarie)
    # start_worker(queues=…) selects the queues on the app itself (Queues.select), so the
    # next test's worker would consume the pdf queue only: put the selection back after.
    selected = app.amqp.queues._consume_from
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=[queue]
        ):
            assert client.post(BUILD).status_code == 302
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if PackageBuild.objects.filter(package__isnull=False).exists():
                    break
                time.sleep(0.2)
    finally:
        app.amqp.queues._consume_from = selected
    build = PackageBuild.objects.get()
    assert build.package is not None, "the worker did not build the package"
    assert build.done == build.total == 3 and not build.error
    assert Package.objects.count() == 1
    download = client.get(DOWNLOAD)
    assert download.status_code == 200
    download.close()
