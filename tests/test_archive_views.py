"""Arkiv pages: uploads through the snapshot page, periods with their delivery state,
the receipt, retakes, on-demand and final snapshots, and closing an account through the
register's form."""

import datetime
import hashlib
import re

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Account, Status
from archive import jobs, services
from archive.capture import CaptureFailed
from archive.models import Method, Package, Reason, Receipt, Snapshot, State
from archive.periods import Period

from .archive_helpers import at, screenshot, semiannual
from .factories import AccountFactory
from .test_accounts import account_data
from .test_moderation_views import image_bytes, png_header, upload


def files_in(folder):
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def at_moment(client, user, moment, url, method="get", **kwargs):
    """A request at `moment` by `user`, signed in then (a session does not outlive the
    clock's jump of weeks)."""
    with time_machine.travel(moment, tick=False):
        client.force_login(user)
        return getattr(client, method)(url, **kwargs)


def page_text(response):
    """The page's text without tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def waiting(org, account, fake_capture):
    """A 2026-H2 snapshot whose capture failed: it waits for the responsible's upload."""
    fake_capture.outcome = CaptureFailed("Kontot kräver inloggning.")
    snapshot = semiannual(account)
    services.capture_one(snapshot.pk, now=at(2027, 1, 1, 2, 0))
    snapshot.refresh_from_db()
    assert snapshot.state == State.NEEDS_UPLOAD
    return snapshot


GIF = image_bytes("GIF")


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (png_header(100_000, 100_000), "bomb.png", "Bilden har för många bildpunkter."),
        (png_header(8_000, 6_000), "lang.png", "Bilden har för många bildpunkter (8000 × 6000)."),
        (b"Detta \xe4r ingen bild, bara text.\n" * 20, "text.png", "Filen är ingen läsbar"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (15 * 1024 * 1024), "stor.png", "Bilden är för stor"),
        (GIF, "bild.gif", "Ladda upp en PNG- eller JPEG-bild."),
        (GIF, "omdopt.png", "Ladda upp en PNG- eller JPEG-bild."),
        # 400,000 pixels, but 20 wide: one page per 27 pixels of height.
        (image_bytes("PNG", size=(20, 20_000)), "smal.png", "den skulle bli 741 sidor (högst 50)"),
    ],
    ids=[
        "decompression-bomb",
        "too-many-pixels",
        "renamed-text",
        "oversized",
        "gif",
        "gif-as-png",
        "too-narrow",
    ],
)
def test_a_bad_upload_is_refused_with_a_clear_message_and_nothing_saved(
    client, org, waiting, media, data, name, message
):
    before = files_in(media)
    client.force_login(org.people.medarbetare)
    response = client.post(f"/arkiv/bild/{waiting.pk}/", {"image": upload(data, name)})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'id="error_1_id_image"' in html  # at the field
    assert 'aria-invalid="true"' in html
    assert files_in(media) == before
    snapshot = Snapshot.objects.get(pk=waiting.pk)
    assert snapshot.state == State.NEEDS_UPLOAD
    assert not snapshot.image and not snapshot.pdf and not snapshot.sha256
    assert snapshot.sealed_at is None and snapshot.register_data == {}
    assert Snapshot.objects.count() == 1


def test_an_empty_upload_form_is_a_400_at_the_field(client, org, waiting):
    client.force_login(org.people.medarbetare)
    response = client.post(f"/arkiv/bild/{waiting.pk}/", {})
    assert response.status_code == 400
    assert 'id="error_1_id_image"' in response.content.decode()
    assert Snapshot.objects.get().state == State.NEEDS_UPLOAD


def test_a_jpeg_upload_seals_the_snapshot_and_the_pdf_downloads(client, org, waiting, media):
    p = org.people
    page = client.get(f"/arkiv/bild/{waiting.pk}/")
    assert page.status_code == 302  # signed-in only
    client.force_login(p.medarbetare)
    page = client.get(f"/arkiv/bild/{waiting.pk}/").content.decode()
    assert "Kontot kräver inloggning." in page and 'name="image"' in page

    photo = image_bytes("JPEG", size=(800, 2400))
    response = at_moment(
        client,
        p.medarbetare,
        at(2027, 1, 9, 14, 30),
        f"/arkiv/bild/{waiting.pk}/",
        "post",
        data={"image": upload(photo, "skarm.jpg", "image/jpeg")},
    )
    assert response.status_code == 302 and response["Location"] == f"/arkiv/bild/{waiting.pk}/"
    snapshot = Snapshot.objects.get(pk=waiting.pk)
    assert snapshot.state == State.SEALED
    assert snapshot.method == Method.UPLOAD and snapshot.captured_by == p.medarbetare
    assert snapshot.sealed_at == at(2027, 1, 9, 14, 30)
    with snapshot.image.open("rb") as fh:
        assert fh.read().startswith(b"\x89PNG\r\n\x1a\n")  # re-encoded
    # A minute later, in the session signed in at the upload.
    with time_machine.travel(at(2027, 1, 9, 14, 31), tick=False):
        page = client.get(response["Location"])
        text = page_text(page)
        assert "Skärmbilden är uppladdad och ögonblicksbilden förseglad." in text
        assert snapshot.sha256 in text and 'name="image"' not in page.content.decode()

        response = client.get(f"/arkiv/bild/{snapshot.pk}/pdf/")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"] == (
            'attachment; filename="instagram_biblioteket-i-testby_2026-H2_v1.pdf"'
        )
        body = b"".join(response.streaming_content)
        assert hashlib.sha256(body).hexdigest() == snapshot.sha256

        # A second upload to the sealed snapshot changes nothing.
        response = client.post(
            f"/arkiv/bild/{snapshot.pk}/", {"image": upload(image_bytes("PNG"))}, follow=True
        )
        assert "redan förseglad" in page_text(response)
    assert Snapshot.objects.get(pk=snapshot.pk).sha256 == snapshot.sha256


@pytest.mark.parametrize("who", ["chef", "kommunikator", "arkivarie"])
def test_only_the_responsible_and_the_communications_office_upload(
    client, org, waiting, media, who
):
    client.force_login(getattr(org.people, who))
    assert client.get(f"/arkiv/bild/{waiting.pk}/").status_code == 200
    response = client.post(f"/arkiv/bild/{waiting.pk}/", {"image": upload(image_bytes("PNG"))})
    assert response.status_code == 403
    assert Snapshot.objects.get().state == State.NEEDS_UPLOAD and files_in(media) == []


def test_a_snapshot_being_captured_says_so(client, org, account):
    """While a worker holds the claim the page says "Fångas"; when the claim has run out
    (a crashed worker) it is waiting again."""
    snapshot = semiannual(account)
    now = timezone.now()
    assert services.claim(snapshot.pk, now)
    client.force_login(org.people.kommunikationschef)
    page = client.get(f"/arkiv/bild/{snapshot.pk}/").content.decode()
    assert "Fångas" in page and "fångas just nu" in page
    Snapshot.objects.filter(pk=snapshot.pk).update(claimed_until=now - datetime.timedelta(1))
    page = client.get(f"/arkiv/bild/{snapshot.pk}/").content.decode()
    assert "Fångas" not in page and "väntar på att fångas automatiskt" in page


def test_an_unsealed_snapshot_has_no_pdf(client, org, waiting):
    client.force_login(org.people.arkivarie)
    assert client.get(f"/arkiv/bild/{waiting.pk}/pdf/").status_code == 404


# -- periods -----------------------------------------------------------------------------


@pytest.fixture
def period(org, account, fake_capture):
    """2026-H2 with three accounts: one delivered, one waiting for an upload, one not yet
    captured."""
    p = org.people
    account.opened_on = datetime.date(2025, 1, 1)
    account.save()
    for name in ("Ungdomens hus", "Öppna förskolan"):
        AccountFactory(
            display_name=name,
            unit=org.bibliotek,
            responsible=p.medarbetare,
            opened_on=datetime.date(2025, 1, 1),
        )
    jobs.create_semiannual(at(2027, 1, 1, 0, 0))
    by_name = {s.account.display_name: s for s in Snapshot.objects.select_related("account")}
    services.capture_one(by_name["Biblioteket i Testby"].pk, now=at(2027, 1, 1, 1, 0))
    fake_capture.outcome = CaptureFailed("Inloggning krävs.")
    services.capture_one(by_name["Ungdomens hus"].pk, now=at(2027, 1, 1, 1, 0))
    return {name: Snapshot.objects.get(pk=s.pk) for name, s in by_name.items()}


def rows_of(response):
    """(account name, delivery label) per row of the period table."""
    html = response.content.decode()
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = []
    for row in body.split("<tr>")[1:]:
        name = re.search(r'<a href="/arkiv/bild/\d+/">([^<]+)</a>', row)[1]
        label = re.search(r'<span class="badge[^"]*">([^<]+)</span>', row)[1]
        rows.append((name, label))
    return rows


def test_the_archivist_sees_each_accounts_delivery_state_and_progress(client, org, period):
    archivist = org.people.arkivarie
    response = at_moment(client, archivist, at(2027, 1, 20, 9, 0), "/arkiv/period/2026-H2/")
    assert response.status_code == 200
    assert rows_of(response) == [
        ("Biblioteket i Testby", "Levererad"),
        ("Ungdomens hus", "Saknas"),
        ("Öppna förskolan", "Saknas"),
    ]
    text = page_text(response)
    assert "1 av 3 ögonblicksbilder är förseglade." in text
    assert 'aria-valuenow="33"' in response.content.decode()
    sealed = period["Biblioteket i Testby"]
    assert f'href="/arkiv/bild/{sealed.pk}/pdf/"' in response.content.decode()
    # Not built yet: the package panel offers the build (the worker on the pdf queue).
    assert 'action="/arkiv/period/2026-H2/paket/bygg/"' in response.content.decode()

    # Thirty days after the turn what is missing is late.
    response = at_moment(client, archivist, at(2027, 1, 31, 0, 0, 1), "/arkiv/period/2026-H2/")
    assert [label for _, label in rows_of(response)] == ["Levererad", "Försenad", "Försenad"]

    listing = at_moment(client, archivist, at(2027, 1, 20, 9, 0), "/arkiv/")
    assert listing.status_code == 200
    html = listing.content.decode()
    row = html.split('href="/arkiv/period/2026-H2/"', 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r"</span>(\d+)</td>", row)
    assert cells == ["1", "2", "0"]  # levererade, saknas, försenade
    assert 'aria-valuenow="33"' in row


def test_a_running_period_shows_how_many_are_made_yet(client, org, period):
    # A fourth account active in the period, the sweep has not reached it yet.
    AccountFactory(
        display_name="Sent registrerat",
        unit=org.bibliotek,
        responsible=org.people.medarbetare,
        opened_on=datetime.date(2026, 12, 1),
    )
    curator = org.people.kommunikationsavdelningen
    text = page_text(at_moment(client, curator, at(2027, 1, 1, 1, 0), "/arkiv/"))
    assert "3 av 4 skapade" in text


def test_a_pending_retake_does_not_undo_the_delivery(client, org, period, fake_capture):
    p = org.people
    sealed = period["Biblioteket i Testby"]
    retake = f"/arkiv/bild/{sealed.pk}/ny-version/"
    response = at_moment(
        client, p.kommunikationsavdelningen, at(2027, 1, 31, 15, 0), retake, "post", follow=True
    )
    v2 = Snapshot.objects.get(account=sealed.account, version=2)
    assert response.redirect_chain == [(f"/arkiv/bild/{v2.pk}/", 302)]
    assert "En ny version fångas." in page_text(response)
    assert v2.state == State.DUE and v2.requested_by == p.kommunikationsavdelningen

    response = at_moment(client, p.arkivarie, at(2027, 2, 1, 9, 0), "/arkiv/period/2026-H2/")
    assert rows_of(response)[0] == ("Biblioteket i Testby", "Levererad")
    assert f'href="/arkiv/bild/{sealed.pk}/pdf/"' in response.content.decode()

    # Once the new version is sealed it is the one delivered.
    fake_capture.outcome = screenshot(width=500)
    services.capture_one(v2.pk, now=at(2027, 2, 1, 10, 0))
    response = at_moment(client, p.arkivarie, at(2027, 2, 1, 11, 0), "/arkiv/period/2026-H2/")
    assert rows_of(response)[0] == ("Biblioteket i Testby", "Levererad")
    assert f'href="/arkiv/bild/{v2.pk}/pdf/"' in response.content.decode()
    assert f'href="/arkiv/bild/{sealed.pk}/pdf/"' not in response.content.decode()
    # A second retake of the old version is refused with a message.
    response = at_moment(client, p.medarbetare, at(2027, 2, 1, 12, 0), retake, "post", follow=True)
    assert "Bara den senaste förseglade versionen kan tas om." in page_text(response)
    assert Snapshot.objects.filter(account=sealed.account).count() == 2


def test_the_archivist_acknowledges_the_downloaded_package_as_partial(client, org, period):
    """A kvittens names the package (its SHA-256, its snapshots); a delivery with
    accounts missing is acknowledged only as a partial receipt, listing them."""
    arkivarie = org.people.arkivarie
    page = client_page = at_moment(
        client, arkivarie, at(2027, 2, 3, 10, 0), "/arkiv/period/2026-H2/"
    )
    assert "Ladda ned leveranspaketet först" in page_text(client_page)
    assert 'action="/arkiv/period/2026-H2/kvittens/"' not in page.content.decode()
    services.package_for_download(arkivarie, Period.from_key("2026-H2"), at(2027, 2, 3, 10, 4))
    download = at_moment(
        client, arkivarie, at(2027, 2, 3, 10, 5), "/arkiv/period/2026-H2/paket.zip"
    )
    body = b"".join(download.streaming_content)
    package = Package.objects.get()
    assert package.sha256 == hashlib.sha256(body).hexdigest() and package.version == 1
    page = at_moment(client, arkivarie, at(2027, 2, 3, 10, 6), "/arkiv/period/2026-H2/")
    text = page_text(page)
    assert "Levererade: 1. Saknas: 0. Försenade: 2." in text
    assert (
        package.sha256 in text
        and 'action="/arkiv/period/2026-H2/kvittens/"' in page.content.decode()
    )

    def post(data):
        return at_moment(
            client,
            arkivarie,
            at(2027, 2, 3, 10, 15),
            "/arkiv/period/2026-H2/kvittens/",
            "post",
            data=data,
            follow=True,
        )

    assert "Välj vilket paket du kvitterar." in page_text(post({"note": "x"}))
    text = page_text(post({"package": package.pk}))
    assert "Leveransen är ofullständig: 2 konton saknas." in text
    assert "Skriv en kommentar till delkvittensen." in page_text(
        post({"package": package.pk, "partial": "on"})
    )
    assert not Receipt.objects.exists()
    response = post({"package": package.pk, "partial": "on", "note": "Två konton saknas"})
    text = page_text(response)
    assert "Leveransen för 2026-H2 är kvitterad." in text
    assert "Kommunarkivet lämnade delkvittens 3 februari 2027 10:15" in text
    assert "Saknades: Ungdomens hus, Öppna förskolan" in text
    assert 'action="/arkiv/period/2026-H2/kvittens/"' not in response.content.decode()
    receipt = Receipt.objects.get()
    assert (
        receipt.partial and receipt.package == package and receipt.package_sha256 == package.sha256
    )
    assert [s["id"] for s in receipt.snapshots] == [period["Biblioteket i Testby"].pk]
    assert [m["name"] for m in receipt.missing] == ["Ungdomens hus", "Öppna förskolan"]
    again = post({"package": package.pk, "partial": "on", "note": "Igen"})
    assert "Paketet version 1 är redan kvitterat." in page_text(again)
    assert Receipt.objects.count() == 1
    a_minute_later = at(2027, 2, 4, 8, 1)
    assert "Kvitterad 2027-02-03" in page_text(
        at_moment(client, arkivarie, a_minute_later, "/arkiv/")
    )

    bad_period = "/arkiv/period/2026-H9/kvittens/"
    assert (
        at_moment(client, org.people.arkivarie, a_minute_later, bad_period, "post").status_code
        == 404
    )
    late = at(2027, 6, 30, 23, 59)
    response = at_moment(client, arkivarie, late, "/arkiv/period/2027-H1/kvittens/", "post")
    assert response.status_code == 302
    response = at_moment(client, arkivarie, late, response["Location"])
    assert "Perioden 2027-H1 är inte slut än." in page_text(response)
    response = at_moment(
        client, org.people.kommunikationschef, late, "/arkiv/period/2027-H1/kvittens/", "post"
    )
    assert response.status_code == 403
    assert Receipt.objects.count() == 1


def test_periods_are_for_the_archive_roles(client, org, period):
    for who in ("medarbetare", "chef", "kommunikator", "admin"):
        client.force_login(getattr(org.people, who))
        assert client.get("/arkiv/").status_code == 403
        assert client.get("/arkiv/period/2026-H2/").status_code == 403
    client.force_login(org.people.kommunikationschef)
    assert client.get("/arkiv/period/2026-H3/").status_code == 404
    assert client.get("/arkiv/period/x/").status_code == 404


# -- the account's snapshots, on demand and before closing -------------------------------


# Pinned, fixtures included, to half past midnight on New Year's Day in Stockholm, still
# New Year's Eve in UTC: the seal, the closing view and the assertions read one clock, and
# a day taken from a UTC datetime (`now.date()`) instead of `timezone.localdate(now)`
# would show as 2033-12-31. Unpinned, the test once read the clock on both sides of
# midnight under faketime (sealed on the 31st, closed on the 1st).
NEW_YEARS_NIGHT = at(2034, 1, 1, 0, 30)


@pytest.mark.time_machine(NEW_YEARS_NIGHT, tick=False)
def test_the_responsible_asks_for_a_final_snapshot_and_then_the_account_closes(
    client, org, account, fake_capture, media, django_capture_on_commit_callbacks
):
    p = org.people
    client.force_login(p.medarbetare)
    page = client.get(f"/arkiv/konto/{account.pk}/").content.decode()
    assert "Slutlig ögonblicksbild inför avslut" in page
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(f"/arkiv/konto/{account.pk}/ta/", {"reason": "avslut"})
    final = Snapshot.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/arkiv/bild/{final.pk}/"
    assert (final.reason, final.requested_by, final.state) == (
        Reason.FINAL,
        p.medarbetare,
        "vantar",
    )
    response = client.post(f"/arkiv/konto/{account.pk}/ta/", {"reason": "avslut"}, follow=True)
    assert "Det finns redan en ögonblicksbild som väntar" in page_text(response)
    assert Snapshot.objects.count() == 1

    # Closing through the register's form is refused at the status field until it is sealed.
    client.force_login(p.kommunikationschef)
    data = account_data(
        org,
        display_name="Biblioteket i Testby (avslutas)",
        url=account.url,
        platform="instagram",
        status="avslutat",
    )
    response = client.post(f"/konton/{account.pk}/andra/", data)
    assert "slutlig ögonblicksbild" in " ".join(response.context["form"].errors["status"])
    html = response.content.decode()
    assert 'id="error_1_id_status"' in html
    assert "Kontot kan inte avslutas förrän en slutlig ögonblicksbild" in html
    stored = Account.objects.get(pk=account.pk)
    assert stored.status == Status.ACTIVE and stored.closed_on is None
    assert stored.display_name == "Biblioteket i Testby"
    assert stored.history.count() == account.history.count()

    services.capture_one(final.pk, now=timezone.now())  # in UTC, as a task passes it
    assert Snapshot.objects.get().state == State.SEALED
    response = client.post(f"/konton/{account.pk}/andra/", data)
    assert response.status_code == 302
    stored = Account.objects.get(pk=account.pk)
    new_years_day = datetime.date(2034, 1, 1)
    assert stored.status == Status.CLOSED and stored.closed_on == new_years_day
    assert stored.last_snapshot_on == new_years_day
    client.force_login(p.medarbetare)
    page = client.get(f"/arkiv/konto/{account.pk}/").content.decode()
    assert "Slutlig ögonblicksbild inför avslut" not in page
    assert "Inför avslut" in page and "Förseglad" in page


def test_outsiders_do_not_see_an_accounts_snapshots(client, org, waiting):
    client.force_login(org.people.outsider)
    assert client.get(f"/arkiv/konto/{waiting.account_id}/").status_code == 404
    assert client.get(f"/arkiv/bild/{waiting.pk}/").status_code == 404
    assert client.post(f"/arkiv/konto/{waiting.account_id}/ta/").status_code == 404
    client.force_login(org.people.chef)
    assert client.post(f"/arkiv/konto/{waiting.account_id}/ta/").status_code == 403
    assert Snapshot.objects.count() == 1
