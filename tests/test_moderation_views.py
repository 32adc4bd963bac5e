"""Moderation desk pages: the desk and its quick form, the item page and its
actions per role, screenshot uploads and the copy image, tillsyn, statistics, the
diarium export, Att göra and the compliance overview."""

import csv
import datetime
import io
import json
import re
import struct
import zlib
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, PngImagePlugin

from config import uploads
from moderation import jobs, services
from moderation.models import (
    Action,
    CheckIn,
    Item,
    ItemEvent,
    Kind,
    Outcome,
    PreservedCopy,
    RemovalReason,
)
from notifications.models import Notification

from .factories import AccountFactory, render_unrendered

STHLM = ZoneInfo("Europe/Stockholm")
HOUR = datetime.timedelta(hours=1)


def at(*args):
    return datetime.datetime(*args, tzinfo=STHLM)


def new_item(account, now=None, kind=Kind.QUESTION, text="Har ni öppet på lördag?", **data):
    item, _created = services.create_item(
        None, account, {"kind": kind, "text": text, **data}, now=now or timezone.now()
    )
    return item


@pytest.fixture
def item(account):
    return new_item(account, text="Hur lånar jag e-böcker?")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root):
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# -- images --------------------------------------------------------------------------------


def image_bytes(fmt, size=(40, 20), mode="RGB"):
    out = io.BytesIO()
    image = Image.new(mode, size, "#c0ffee" if mode == "RGB" else 3)
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", "hemlig metadata")
        image.save(out, format="PNG", pnginfo=info)
    else:
        image.save(out, format=fmt)
    return out.getvalue()


def png_header(width, height):
    """A valid PNG that claims width × height pixels of which it holds almost nothing:
    what a decompression bomb looks like before it is decoded."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def upload(data, name="bild.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_screenshot_is_re_encoded_as_png(fmt):
    data = image_bytes(fmt)
    clean = uploads.clean_screenshot(upload(data))
    out = clean.read()
    assert out.startswith(b"\x89PNG\r\n\x1a\n") and out != data
    assert b"hemlig metadata" not in out  # the text chunk did not survive
    with Image.open(io.BytesIO(out)) as image:
        assert image.format == "PNG" and image.size == (40, 20)


def test_a_palette_png_keeps_its_transparency():
    clean = uploads.clean_screenshot(upload(image_bytes("PNG", mode="P")))
    with Image.open(clean) as image:
        assert image.mode == "RGBA"


def test_a_too_large_file_is_refused_before_it_is_read(monkeypatch):
    def must_not_decode(*args, **kwargs):
        raise AssertionError("decoded a file that is too large")

    monkeypatch.setattr(uploads.Image, "open", must_not_decode)
    big = upload(b"\0" * (uploads.MAX_BYTES + 1))
    with pytest.raises(ValidationError, match="för stor"):
        uploads.clean_screenshot(big)


@pytest.mark.parametrize(
    ("size", "message"),
    [
        # Over the app's limit, under Pillow's: the size is told.
        ((10_000, 5_000), "Bilden har för många bildpunkter (10000 × 5000)."),
        # A bomb Pillow refuses to open at all.
        ((100_000, 100_000), "Bilden har för många bildpunkter."),
    ],
)
def test_too_many_pixels_are_refused_from_the_header(monkeypatch, size, message):
    def must_not_decode(self, *args, **kwargs):
        raise AssertionError("decoded the pixels of a bomb")

    monkeypatch.setattr(PngImagePlugin.PngImageFile, "load", must_not_decode)
    with pytest.raises(ValidationError) as exc:
        uploads.clean_screenshot(upload(png_header(*size)))
    assert exc.value.messages == [message]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"MZ\x90\x00 not an image at all", "ingen läsbar"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "ingen läsbar"),
        (image_bytes("GIF"), "PNG- eller JPEG"),
        (image_bytes("BMP"), "PNG- eller JPEG"),
        (image_bytes("PNG")[:60], "ingen läsbar"),  # cut off in the middle
    ],
    ids=["executable", "svg", "gif", "bmp", "truncated-png"],
)
def test_other_files_are_refused(data, message):
    with pytest.raises(ValidationError, match=message):
        uploads.clean_screenshot(upload(data))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (image_bytes("GIF"), "Ladda upp en PNG- eller JPEG-bild."),
        (b"hello", "Filen är ingen läsbar PNG- eller JPEG-bild."),
        (png_header(10_000, 5_000), "Bilden har för många bildpunkter"),
    ],
    ids=["gif", "text", "pixels"],
)
def test_a_refused_upload_is_shown_again_and_nothing_is_saved(
    client, org, item, media, data, message
):
    client.force_login(org.people.medarbetare)
    response = client.post(
        f"/moderering/{item.pk}/bevara/",
        {"bevara-text": "Inläggets text", "bevara-image": upload(data, "bild.gif")},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PreservedCopy.objects.exists() and stored_files(media) == []
    assert list(item.events.values_list("action", flat=True)) == [Action.CREATED]


def test_a_preserved_screenshot_is_served_only_to_those_who_see_the_item(client, org, item, media):
    p = org.people
    client.force_login(p.medarbetare)
    response = client.post(
        f"/moderering/{item.pk}/bevara/",
        {"bevara-text": "", "bevara-image": upload(image_bytes("JPEG"), "skarm.jpg", "image/jpeg")},
    )
    assert response.status_code == 302
    copy = PreservedCopy.objects.get()
    [path] = stored_files(media)
    data = path.read_bytes()
    assert path.suffix == ".png" and data.startswith(b"\x89PNG")
    assert copy.sha256 == PreservedCopy.digest(data) and path.stem == copy.sha256
    assert copy.created_by == p.medarbetare

    image_url = f"/moderering/kopia/{copy.pk}/bild/"
    page = client.get(f"/moderering/{item.pk}/").content.decode()
    assert image_url in page
    response = client.get(image_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == data
    for outsider in (p.outsider, p.kommunikator2):
        client.force_login(outsider)
        assert client.get(image_url).status_code == 404
    client.force_login(p.arkivarie)  # sees the item: sees the record
    assert client.get(image_url).status_code == 200
    client.logout()
    assert client.get(image_url).status_code == 302
    client.force_login(p.medarbetare)
    assert client.get("/moderering/kopia/999999/bild/").status_code == 404
    text_only = services.preserve(p.medarbetare, item.pk, "bara text", now=timezone.now())
    assert client.get(f"/moderering/kopia/{text_only.pk}/bild/").status_code == 404


# -- the desk -------------------------------------------------------------------------------


def test_the_desk_lists_overdue_first(client, org, account):
    now = timezone.now()
    later = new_item(account, now, text="Trettio timmar kvar", posted_at=now - 18 * HOUR)
    overdue = new_item(account, now, text="Försenad fråga", posted_at=now - 50 * HOUR)
    soon = new_item(account, now, text="Fem timmar kvar", posted_at=now - 43 * HOUR)
    done = new_item(account, now, text="Redan besvarad", posted_at=now - 20 * HOUR)
    services.answer(org.people.medarbetare, done.pk, "Ja", now=timezone.now())
    other = AccountFactory(unit=org.skolan, responsible=org.people.outsider)
    new_item(other, now, text="Skolans fråga")

    client.force_login(org.people.medarbetare)
    page = client.get("/moderering/").content.decode()
    positions = [page.index(i.text) for i in (overdue, soon, later)]
    assert positions == sorted(positions)
    assert "Redan besvarad" not in page and "Skolans fråga" not in page
    assert "Försenat 2 timmar" in page and "4 timmar 59 minuter kvar" in page

    handled = client.get("/moderering/?visa=hanterade").content.decode()
    assert "Redan besvarad" in handled and "Försenad fråga" not in handled
    assert "Redan besvarad" in client.get("/moderering/?visa=alla").content.decode()
    only = client.get(f"/moderering/?typ={Kind.CRITICISM}").content.decode()
    assert "Inga ärenden att visa." in only
    assert client.get("/moderering/?konto=nonsense&visa=x").status_code == 200


def test_the_quick_form_creates_an_item(client, org, account):
    client.force_login(org.people.medarbetare)
    now = at(2026, 10, 24, 12, 0)
    with time_machine.travel(now, tick=False):
        client.force_login(org.people.medarbetare)
        response = client.post(
            "/moderering/",
            {
                "account": account.pk,
                "kind": Kind.INAPPROPRIATE,
                "post_url": "https://www.instagram.com/p/abc/",
                "text": "Köp billiga solglasögon",
                "author": "Deals4U",
                "posted_at": "2026-10-24T09:30",
            },
        )
        page = client.get(response["Location"]).content.decode()
    item = Item.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/moderering/{item.pk}/"
    assert item.posted_at == at(2026, 10, 24, 9, 30) and item.noticed_at == now
    assert item.due_at == at(2026, 10, 26, 8, 30)  # 48 real hours, over the DST change
    assert item.assignee == org.people.medarbetare and item.created_by == org.people.medarbetare
    assert item.events.get().action == Action.CREATED
    assert "Tidsfristen löper till 2026-10-26 08:30" in page


FORM_AT = at(2026, 11, 18, 10, 0)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "", "post_url": ""}, "Klistra in länken eller texten"),
        ({"kind": "spam"}, "Välj ett giltigt alternativ"),
        ({"posted_at": "igår"}, "Fyll i ett giltigt datum/tid."),
        ({"posted_at": "2026-11-18T11:00"}, "kan inte ligga i framtiden"),  # after FORM_AT
        ({"post_url": "javascript:alert(1)"}, "Fyll i en giltig URL."),
        ({"account": "other"}, "Välj ett giltigt alternativ"),
        ({"account": "999999"}, "Välj ett giltigt alternativ"),
        ({"text": "x" * 10, "author": "y" * 201}, "som mest 200 tecken"),
    ],
    ids=["empty", "kind", "date", "future", "url", "not-my-account", "no-account", "author"],
)
def test_bad_input_in_the_quick_form_is_shown_again_and_nothing_saved(
    client, org, account, data, message
):
    other = AccountFactory(unit=org.skolan, responsible=org.people.outsider)
    form = {"account": account.pk, "kind": Kind.QUESTION, "text": "Öppet?", **data}
    if form["account"] == "other":
        form["account"] = other.pk
    with time_machine.travel(FORM_AT, tick=False):
        client.force_login(org.people.medarbetare)
        response = client.post("/moderering/", form)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'name="text"' in page and not Item.objects.exists()


def test_someone_without_accounts_sees_an_empty_desk(client, org):
    client.force_login(org.people.arkivarie)
    page = client.get("/moderering/").content.decode()
    assert "Du bevakar inga konton." in page
    response = client.post("/moderering/", {"kind": Kind.QUESTION, "text": "Hej"})
    assert response.status_code == 400 and not Item.objects.exists()


# -- the item page --------------------------------------------------------------------------

# Who may act on an item of the library's account (responsible medarbetare, substitute
# and administrator chef, administrator kommunikator): 302 after the action, 403 for
# those who see it but do not handle it, 404 for those who do not see it.
ACT = {
    "anonymous": 302,
    "medarbetare": 302,
    "chef": 302,
    "kommunikator": 302,
    "kommunikationschef": 302,
    "kommunikationsavdelningen": 302,
    "arkivarie": 403,
    "admin": 403,
    "outsider": 404,
    "kommunikator2": 404,
}


@pytest.mark.parametrize(("role", "expected"), ACT.items())
@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("svara", {"svara-text": "Ja, 10–14."}),
        ("bevara", {"bevara-text": "Inläggets text"}),
        ("ingen-atgard", {"ingen-atgard-text": "Ett tack"}),
        ("brott", {"brott-text": "Hot"}),
    ],
)
def test_actions_per_role(client, org, account, role, expected, action, data):
    item = new_item(account)
    if role != "anonymous":
        client.force_login(getattr(org.people, role))
    response = client.post(f"/moderering/{item.pk}/{action}/", data)
    assert response.status_code == expected
    changed = ItemEvent.objects.filter(item=item).count() > 1
    assert changed == (expected == 302 and role != "anonymous")
    if role == "anonymous":
        assert response["Location"].startswith("/logga-in/")


def test_the_item_page_shows_actions_only_to_those_who_handle_it(client, org, item):
    client.force_login(org.people.arkivarie)
    page = client.get(f"/moderering/{item.pk}/").content.decode()
    assert "Hur lånar jag e-böcker?" in page and "Åtgärder" not in page
    client.force_login(org.people.medarbetare)
    page = client.get(f"/moderering/{item.pk}/").content.decode()
    assert "Åtgärder" in page and f'action="/moderering/{item.pk}/svara/"' in page


def test_an_answer_through_the_page_and_a_second_one_is_a_conflict(client, org, item):
    client.force_login(org.people.medarbetare)
    response = client.post(f"/moderering/{item.pk}/svara/", {"svara-text": "I appen Biblio."})
    assert response.status_code == 302
    assert "Svaret är registrerat." in client.get(response["Location"]).content.decode()
    client.force_login(org.people.chef)  # a second person, in another tab, a bit later
    response = client.post(f"/moderering/{item.pk}/svara/", {"svara-text": "Med lånekortet."})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "redan hanterat (besvarad). Ingenting ändrades." in page
    item.refresh_from_db()
    assert item.outcome == Outcome.ANSWERED
    answers = ItemEvent.objects.filter(item=item, action=Action.ANSWERED)
    assert list(answers.values_list("comment", flat=True)) == ["I appen Biblio."]


def test_removal_through_the_page_needs_a_copy_first(client, org, account):
    item = new_item(account, kind=Kind.INAPPROPRIATE, text="[hets mot folkgrupp]")
    client.force_login(org.people.medarbetare)
    response = client.post(
        f"/moderering/{item.pk}/ta-bort/", {"ta-bort-reason": "hets_mot_folkgrupp"}
    )
    assert response.status_code == 400
    assert "Spara en kopia av inlägget" in response.content.decode()
    assert Item.objects.get(pk=item.pk).is_open

    future = timezone.localtime() + datetime.timedelta(days=1)
    client.post(f"/moderering/{item.pk}/bevara/", {"bevara-text": item.text})
    response = client.post(
        f"/moderering/{item.pk}/ta-bort/",
        {
            "ta-bort-reason": "hets_mot_folkgrupp",
            "ta-bort-removed_at": future.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 400 and "kan inte ligga i framtiden" in response.content.decode()
    response = client.post(
        f"/moderering/{item.pk}/ta-bort/", {"ta-bort-reason": "hets_mot_folkgrupp"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.outcome == Outcome.REMOVED and item.bbs_obliged
    page = client.get(f"/moderering/{item.pk}/").content.decode()
    assert "krävs enligt lagen om elektroniska anslagstavlor" in page


def _removable(client, org, account):
    item = new_item(account, kind=Kind.INAPPROPRIATE, text="[olämpligt]")
    client.force_login(org.people.medarbetare)
    client.post(f"/moderering/{item.pk}/bevara/", {"bevara-text": item.text})
    return item


def test_the_removal_form_has_no_default_reason(client, org, account):
    item = _removable(client, org, account)
    page = client.get(f"/moderering/{item.pk}/").content.decode()
    select = re.search(r'<select name="ta-bort-reason".*?</select>', page, re.S).group(0)
    options = re.findall(r'<option value="([^"]*)"([^>]*)>', select)
    assert options[0][0] == ""  # "Välj skäl …" comes first: nothing is chosen for you
    assert not any("selected" in attributes for value, attributes in options if value)
    assert "Krävs enligt lagen om elektroniska anslagstavlor" in select
    assert {value for value, _a in options[1:]} == set(RemovalReason.values)

    response = client.post(f"/moderering/{item.pk}/ta-bort/", {"ta-bort-reason": ""})
    assert response.status_code == 400
    assert "Välj skälet till att inlägget tas bort." in response.content.decode()
    item.refresh_from_db()
    assert item.is_open and item.removal_reason == ""


@pytest.mark.parametrize(
    ("reason", "obliged"),
    [
        # BBS-lagen (1998:112) 5 § first paragraph, as worded since SFS 2018:1314.
        ("olaga_hot", True),
        ("olaga_integritetsintrang", True),
        ("uppvigling", True),
        ("hets_mot_folkgrupp", True),
        ("barnpornografibrott", True),
        ("valdsskildring", True),
        ("uppmaning_terrorism", True),
        ("upphovsratt", True),
        # The kommun's policy: removed, but not because the law obliges it.
        ("personuppgifter", False),
        ("personangrepp", False),
        ("obscena_ord", False),
        ("pornografi", False),  # only barnpornografibrott is in the law
        ("reklam", False),
    ],
)
def test_each_removal_reason_records_whether_the_bbs_law_obliges_it(
    client, org, account, reason, obliged
):
    item = _removable(client, org, account)
    response = client.post(f"/moderering/{item.pk}/ta-bort/", {"ta-bort-reason": reason})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.outcome == Outcome.REMOVED and item.removal_reason == reason
    assert item.bbs_obliged is obliged
    page = client.get(f"/moderering/{item.pk}/").content.decode()
    assert str(RemovalReason(reason).label) in page
    assert ("krävs enligt lagen om elektroniska anslagstavlor" in page) is obliged


def test_removal_reasons_stored_before_stay_valid():
    stored = ["personangrepp", "obscena_ord", "hets_mot_folkgrupp", "upphovsratt"]
    stored += ["valdsskildring", "pornografi", "reklam"]
    assert set(stored) <= set(RemovalReason.values)


@pytest.mark.parametrize(
    ("action", "data", "status"),
    [
        ("okand", {}, 404),
        ("svara", {}, 400),  # neither text nor link
        ("svara", {"svara-link": "javascript:alert(1)"}, 400),
        ("diariefor", {"diariefor-diarienummer": "KS 1"}, 400),
        ("omfordela", {"omfordela-assignee": "999999"}, 400),
        ("ta-bort", {"ta-bort-reason": "tycker_inte_om"}, 400),
    ],
)
def test_bad_action_posts_change_nothing(client, org, item, action, data, status):
    client.force_login(org.people.medarbetare)
    response = client.post(f"/moderering/{item.pk}/{action}/", data)
    assert response.status_code == status
    assert list(item.events.values_list("action", flat=True)) == [Action.CREATED]
    assert Item.objects.get(pk=item.pk).is_open


def test_reassign_through_the_page_offers_the_team_only(client, org, account, item):
    client.force_login(org.people.medarbetare)
    page = client.get(f"/moderering/{item.pk}/").content.decode()
    assert str(org.people.outsider) not in page
    response = client.post(
        f"/moderering/{item.pk}/omfordela/", {"omfordela-assignee": org.people.outsider.pk}
    )
    assert response.status_code == 400
    response = client.post(
        f"/moderering/{item.pk}/omfordela/", {"omfordela-assignee": org.people.kommunikator.pk}
    )
    assert response.status_code == 302
    assert Item.objects.get(pk=item.pk).assignee == org.people.kommunikator


# -- tillsyn ------------------------------------------------------------------------------


def test_check_in(client, org, account):
    p = org.people
    url = f"/moderering/konto/{account.pk}/tillsyn/"
    client.force_login(p.medarbetare)
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == "/moderering/"
    assert CheckIn.objects.get().user == p.medarbetare
    # Back to a page of this site, never to another one.
    assert client.post(url, {"next": f"/konton/{account.pk}/"})["Location"] == (
        f"/konton/{account.pk}/"
    )
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        assert client.post(url, {"next": evil})["Location"] == "/moderering/"
    client.force_login(p.arkivarie)
    assert client.post(url).status_code == 403
    client.force_login(p.outsider)
    assert client.post(url).status_code == 404
    assert CheckIn.objects.count() == 5


def test_an_unwatched_account_is_reminded_once_and_listed_in_the_compliance_overview(
    client, org, account
):
    p = org.people
    start = timezone.now()
    other = AccountFactory(unit=org.skolan, responsible=p.outsider)
    services.check_in(p.outsider, other, now=start + datetime.timedelta(days=6))

    def unwatched_names(moment, user):
        with time_machine.travel(moment, tick=False):
            client.force_login(user)
            response = client.get("/konton/efterlevnad/")
        [section] = [s for s in response.context["other_sections"] if s.id == "tillsyn"]
        return [i.text for i in section.entries]

    def remind(moment):
        with time_machine.travel(moment, tick=False):
            return jobs.remind_unwatched(timezone.now())

    assert remind(start + datetime.timedelta(days=6, hours=23)) == 0
    eight = start + datetime.timedelta(days=8)
    assert remind(eight) == 1
    assert remind(eight) == 0
    assert remind(eight + datetime.timedelta(days=3)) == 0
    assert render_unrendered(eight) == 1  # written unrendered; delivery renders it
    reminder = Notification.objects.get(kind="moderation_unwatched")
    assert reminder.recipient == p.medarbetare and account.display_name in reminder.subject
    assert unwatched_names(eight, p.kommunikator) == [account.display_name]
    assert unwatched_names(eight, p.kommunikationschef) == [account.display_name]
    assert unwatched_names(eight, p.kommunikator2) == []  # other's own account was watched

    services.check_in(p.chef, account, now=eight + HOUR)
    services.check_in(p.outsider, other, now=eight + datetime.timedelta(days=7))
    assert unwatched_names(eight + 2 * HOUR, p.kommunikator) == []
    assert remind(eight + 2 * HOUR) == 0
    # A new spell without tillsyn: one new reminder.
    assert remind(eight + datetime.timedelta(days=8)) == 1
    assert remind(eight + datetime.timedelta(days=8)) == 0
    assert Notification.objects.filter(kind="moderation_unwatched").count() == 2


# -- statistics ------------------------------------------------------------------------------


def test_statistics_for_a_known_set_of_items(client, org, account):
    p = org.people
    T = at(2026, 11, 20, 12, 0)
    day = datetime.timedelta(days=1)
    q1 = new_item(account, T - 10 * day, posted_at=T - 10 * day)
    services.answer(p.medarbetare, q1.pk, "Ja", now=T - 10 * day + 6 * HOUR)
    q2 = new_item(account, T - 5 * day)  # noticed, not posted: counted from noticed_at
    services.answer(p.medarbetare, q2.pk, "Ja", now=T - 5 * day + 50 * HOUR)
    bad = new_item(account, T - 20 * day, kind=Kind.INAPPROPRIATE, posted_at=T - 20 * day)
    services.preserve(p.medarbetare, bad.pk, bad.text, now=T - 20 * day + 9 * HOUR)
    services.remove(
        p.medarbetare, bad.pk, "reklam", T - 20 * day + 10 * HOUR, now=T - 20 * day + 11 * HOUR
    )
    crit = new_item(account, T - 100 * day, kind=Kind.CRITICISM)
    services.register(p.medarbetare, crit.pk, "KS 1", "Nämnden", now=T - 100 * day + 24 * HOUR)
    new_item(account, T - 3 * day)  # open and overdue
    new_item(account, T - HOUR)  # open, in time
    new_item(account, T - 300 * day)  # outside both periods
    other = AccountFactory(unit=org.bibliotek, responsible=p.medarbetare)
    new_item(other, T - 3 * day)

    with time_machine.travel(T, tick=False):
        client.force_login(p.chef)
        response = client.get(f"/moderering/konto/{account.pk}/statistik/")
    assert response.status_code == 200
    assert response.context["overdue"] == 2  # also the one from 300 days ago
    month, half_year = response.context["periods"]
    kinds = dict(month["by_kind"])
    assert (month["days"], month["total"]) == (30, 5)
    assert (kinds["Fråga"], kinds["Olämpligt inlägg"], kinds["Saklig kritik"]) == (4, 1, 0)
    assert month["median_answer"] == 28.0  # median of 6 and 50 hours
    assert month["median_remove"] == 10.0  # to when it was removed, not when recorded
    assert month["within_share"] == 67  # 2 of 3 handled within 48 hours
    assert (half_year["days"], half_year["total"]) == (180, 6)
    assert dict(half_year["by_kind"])["Saklig kritik"] == 1
    assert half_year["within_share"] == 75
    page = response.content.decode()
    assert "2 ärenden är försenade just nu." in page and "67 %" in page


# -- the diarium export -------------------------------------------------------------------------


def test_the_export_lists_saklig_kritik_with_its_diarienummer(client, org, account):
    p = org.people
    registered = new_item(
        account,
        kind=Kind.CRITICISM,
        text="Bokautomaten är trasig, igen; det håller inte.",
        author='=HYPERLINK("https://evil.example")',
        post_url="https://www.instagram.com/p/xyz/",
    )
    services.register(
        p.medarbetare,
        registered.pk,
        "KFN 2026/88",
        "Kultur- och fritidsnämnden",
        now=timezone.now(),
    )
    waiting = new_item(account, kind=Kind.CRITICISM, text="Öppettiderna är för korta.")
    new_item(account, kind=Kind.QUESTION, text="En fråga, inte kritik")

    client.force_login(p.medarbetare)
    response = client.get("/moderering/diarium.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    # Read by people: Swedish column names and values, local time to the minute.
    assert list(rows[0]) == [
        "Ärendenummer",
        "Konto",
        "Plattform",
        "Typ",
        "Avsändare",
        "Text",
        "Länk till inlägget",
        "Publicerat",
        "Upptäckt",
        "Diarienummer",
        "Vidarebefordrat till",
        "Hanterat",
    ]
    assert [int(r["Ärendenummer"]) for r in rows] == [registered.pk, waiting.pk]
    first = rows[0]
    assert first["Diarienummer"] == "KFN 2026/88"
    assert first["Vidarebefordrat till"] == "Kultur- och fritidsnämnden"
    assert first["Text"] == "Bokautomaten är trasig, igen; det håller inte."
    assert first["Typ"] == "Saklig kritik" and first["Konto"] == account.display_name
    assert first["Plattform"] == "Instagram"
    local = timezone.localtime(Item.objects.get(pk=registered.pk).noticed_at)
    assert first["Upptäckt"] == local.strftime("%Y-%m-%d %H:%M")
    # A cell from the public that a spreadsheet would run as a formula is defused.
    assert first["Avsändare"] == '\'=HYPERLINK("https://evil.example")'
    assert rows[1]["Diarienummer"] == "" and rows[1]["Hanterat"] == ""

    data = json.loads(b"".join(client.get("/moderering/diarium.json").streaming_content))
    results = data["results"]
    assert [r["id"] for r in results] == [registered.pk, waiting.pk]
    assert results[0]["diarienummer"] == "KFN 2026/88"
    assert results[0]["author"] == '=HYPERLINK("https://evil.example")'
    assert results[1]["resolved_at"] is None

    client.force_login(p.outsider)
    empty = b"".join(client.get("/moderering/diarium.json").streaming_content)
    assert json.loads(empty) == {"results": []}
    assert b"".join(client.get("/moderering/diarium.csv").streaming_content).count(b"\n") == 1


# -- Att göra --------------------------------------------------------------------------------


def test_att_gora_lists_my_open_items_by_urgency(client, org, account):
    now = timezone.now()
    new_item(account, now, kind=Kind.INAPPROPRIATE, posted_at=now - 18 * HOUR)
    new_item(account, now, kind=Kind.QUESTION, posted_at=now - 50 * HOUR)
    new_item(account, now, kind=Kind.CRITICISM, posted_at=now - 43 * HOUR)
    done = new_item(account, now, kind=Kind.OTHER, posted_at=now - 60 * HOUR)
    services.no_action(org.people.medarbetare, done.pk, "Spam från en bot", now=timezone.now())

    client.force_login(org.people.medarbetare)
    page = client.get("/att-gora/").content.decode()
    titles = [
        f"{label} på {account.display_name}"
        for label in ("Fråga", "Saklig kritik", "Olämpligt inlägg")
    ]
    positions = [page.index(t) for t in titles]
    assert positions == sorted(positions)
    assert f"Övrigt på {account.display_name}" not in page
    assert "Försenat 2 timmar" in page and "4 timmar 59 minuter kvar" in page
    client.force_login(org.people.outsider)
    assert account.display_name not in client.get("/att-gora/").content.decode()
