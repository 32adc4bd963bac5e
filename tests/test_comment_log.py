"""The period's comment log in the archive package: per account, every platform event
and every version as XML (valid against schemas/kommentarslogg.xsd) and as JSON, both
listed in the METS with their size and SHA-256; the snapshot PDF's summary counts it."""

import datetime
import hashlib
import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from lxml import etree

from archive import commentlog
from archive.package import build_package
from moderation import services
from moderation.models import Item

from .intake_helpers import author_change, receive_comment
from .test_archive_package import IN_PERIOD, NOW, PERIOD, contents, mets_files, seal, unpack

M = "{http://www.loc.gov/METS/}"
C = "{urn:x-kanalkoll:kommentarslogg:1}"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def logged(org, account):
    p = org.people
    seal(account)
    asked = receive_comment(
        account, "c-1", "Öppet i helgen?", actor=p.kommunikationschef, now=IN_PERIOD
    )
    later = IN_PERIOD + datetime.timedelta(minutes=5)
    author_change(account, asked, "edited", "Öppet i helgen & i jul?", now=later)
    author_change(account, asked, "remove", "", now=later + datetime.timedelta(minutes=5))
    rude = receive_comment(account, "c-2", "Idiot\x0b!", actor=p.kommunikationschef, now=IN_PERIOD)
    services.classify(p.medarbetare, rude.pk, "olampligt", now=IN_PERIOD)
    services.preserve(p.medarbetare, rude.pk, "Idiot!", now=IN_PERIOD)
    services.remove(p.medarbetare, rude.pk, "personangrepp", now=IN_PERIOD)
    return account


def test_the_comment_log_is_in_the_package_valid_and_listed_in_mets(logged):
    path, _name = build_package(PERIOD, NOW)
    files = contents(unpack(path))
    Path(path).unlink()
    base = f"representations/rep1/data/kommentarslogg-konto-{logged.pk}"
    schema = etree.XMLSchema(etree.fromstring(files["schemas/kommentarslogg.xsd"]))
    log = etree.fromstring(files[f"{base}.xml"])
    schema.assertValid(log)
    comments = log.findall(f"{C}kommentar")
    assert len(comments) == 2 and len(log.findall(f"{C}handelse")) == 4
    first = comments[0]
    assert [v.findtext(f"{C}verb") for v in first.findall(f"{C}version")] == [
        "add",
        "edited",
        "remove",
    ]
    assert first.findall(f"{C}version")[1].findtext(f"{C}text") == "Öppet i helgen & i jul?"
    assert comments[1].findtext(f"{C}borttagenAvKommunen") == "true"
    data = json.loads(files[f"{base}.json"])
    assert (
        len(data["handelser"]) == 4 and data["kommentarer"][0]["versioner"][2]["verb"] == "remove"
    )
    # Both files and the schema are in the METS with their true size and checksum.
    listed = mets_files(ET.fromstring(files["representations/rep1/METS.xml"]))
    for name in (f"{base}.xml", f"{base}.json"):
        entry = listed[name.removeprefix("representations/rep1/")]
        assert entry.get("SIZE") == str(len(files[name]))
        assert entry.get("CHECKSUM") == hashlib.sha256(files[name]).hexdigest()
    root = mets_files(ET.fromstring(files["METS.xml"]))
    assert "schemas/kommentarslogg.xsd" in root


def test_a_broken_log_is_refused_by_the_xsd(logged):
    data = commentlog.comment_log(logged, PERIOD, "Testby kommun", NOW)
    data["handelser"][0]["verb"] = "liked"
    schema = etree.XMLSchema(etree.parse(str(commentlog.XSD_PATH)))
    assert not schema.validate(etree.fromstring(commentlog.comment_log_xml(data)))


def test_the_snapshot_summary_counts_deletions_and_removals(logged):
    summary = commentlog.summary(logged, PERIOD)
    assert summary == {
        "events": 4,
        "comments": 2,
        "edited": 1,
        "deleted_by_author": 1,
        "removed_by_kommun": 1,
        "unknown": 0,
    }
    assert Item.objects.filter(account=logged).count() == 2


def test_no_events_no_log(org, account):
    seal(account)
    path, _name = build_package(PERIOD, NOW)
    files = contents(unpack(path))
    Path(path).unlink()
    assert not [n for n in files if "kommentarslogg-konto" in n]
    assert "schemas/kommentarslogg.xsd" in files
