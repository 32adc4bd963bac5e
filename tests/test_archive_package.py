"""The period package for kommunarkivet: FGS Paketstruktur 2.0 (E-ARK CSIP 2.1.0 + SIP 2.1.0).

Snapshots are made directly as rows with small PDF-like bytes; the package is built,
unzipped and checked as an e-archive would: one root folder named as the OBJID, a METS
that lists every file once with its true size and SHA-256, the register extract valid
against its own schema, and only the current version of each snapshot.
"""

import csv
import datetime
import hashlib
import io
import re
import tracemalloc
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from lxml import etree

from archive import services
from archive.models import Method, Reason, Snapshot, State
from archive.package import FOLDERS, PackageError, build_package
from archive.periods import Period
from archive.services import register_data

from .factories import AccountFactory

M = "{http://www.loc.gov/METS/}"
XLINK = "{http://www.w3.org/1999/xlink}"
CSIP = "{https://DILCIS.eu/XML/METS/CSIPExtensionMETS}"
SIP = "{https://DILCIS.eu/XML/METS/SIPExtensionMETS}"
K = "{urn:x-kanalkoll:kontoregister:1}"
NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9._-]*$")
DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
ASCII_NAME = re.compile(r"^[A-Za-z0-9._-]+$")

PERIOD = Period.from_key("2026-H2")
NOW = datetime.datetime(2027, 1, 10, 8, 0, tzinfo=datetime.UTC)
CAPTURED = datetime.datetime(2027, 1, 1, 9, 30, tzinfo=datetime.UTC)
IN_PERIOD = datetime.datetime(2026, 9, 14, 10, 0, tzinfo=datetime.UTC)
OBJID = "sm-testby-kommun-2026H2"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def seal(account, *, version=1, reason=Reason.SEMIANNUAL, period_key="2026-H2", state=State.SEALED,
         captured_at=CAPTURED, supersedes=None, method=Method.AUTOMATIC, body=None):  # fmt: skip
    body = body or f"%PDF-1.7\n% {account.pk} {reason} v{version}\n%%EOF\n".encode()
    snapshot = Snapshot(
        account=account,
        period_key=period_key,
        reason=reason,
        version=version,
        state=state,
        method=method,
        due_at=PERIOD.due_at,
        created_at=PERIOD.due_at,
        captured_at=captured_at,
        sealed_at=captured_at + datetime.timedelta(minutes=2),
        register_data=register_data(account),
        sha256=hashlib.sha256(body).hexdigest(),
        supersedes=supersedes,
    )
    snapshot.pdf.save(f"{account.pk}-{reason}-v{version}.pdf", ContentFile(body), save=False)
    snapshot.save()
    return snapshot


def other_account(org, name, platform="facebook_sida"):
    return AccountFactory(
        display_name=name, platform=platform, unit=org.kultur, responsible=org.people.medarbetare
    )


@pytest.fixture
def snapshots(org, account):
    """Biblioteket: v1 superseded by v2. Älvsjö: sealed, plus a final snapshot in the period.
    Outside the package: a final snapshot after the period, another period's snapshot, and
    a snapshot still waiting for capture."""
    festival = other_account(org, "Årets Ölfestival i Älvsjö")
    old = seal(account)
    new = seal(account, version=2, supersedes=old, method=Method.UPLOAD)
    old.supersede(new)  # as sealing a retake does
    festival_h2 = seal(festival)
    festival_final = seal(festival, reason=Reason.FINAL, period_key="", captured_at=IN_PERIOD)
    later = seal(festival, reason=Reason.ON_DEMAND, period_key="", captured_at=NOW)
    earlier = seal(festival, period_key="2026-H1")
    waiting = Snapshot.objects.create(
        account=other_account(org, "Skolan"),
        period_key="2026-H2",
        due_at=PERIOD.due_at,
        created_at=PERIOD.due_at,
    )
    return {
        "included": [new, festival_h2, festival_final],
        "excluded": [old, later, earlier, waiting],
        "festival": festival,
    }


def unpack(path):
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        return {info.filename: archive.read(info) for info in archive.infolist()}


@pytest.fixture
def package(snapshots):
    path, name = build_package(PERIOD, NOW)
    assert name == f"{OBJID}.zip"
    files = unpack(path)
    Path(path).unlink()
    return files


def contents(files):
    """Package-relative path -> bytes, for files (not folders)."""
    return {n.split("/", 1)[1]: b for n, b in files.items() if not n.endswith("/")}


def mets_files(mets):
    return {f.find(f"{M}FLocat").get(f"{XLINK}href"): f for f in mets.iter(f"{M}file")}


def test_one_root_folder_named_as_the_objid_with_every_folder_of_the_layout(package):
    roots = {name.split("/", 1)[0] for name in package}
    assert roots == {OBJID}
    mets = ET.fromstring(package[f"{OBJID}/METS.xml"])
    assert mets.get("OBJID") == OBJID
    for folder in FOLDERS:
        assert f"{OBJID}/{folder}" in package
    assert set(contents(package)) >= {
        "METS.xml",
        "representations/rep1/METS.xml",
        "representations/rep1/data/kontoregister.csv",
        "representations/rep1/data/kontoregister.xml",
        "schemas/kontoregister.xsd",
        "documentation/leveransbeskrivning.txt",
    }


def test_the_mets_lists_every_file_once_with_its_size_and_sha256(package):
    files = contents(package)
    mets = ET.fromstring(files["METS.xml"])
    listed = [f.find(f"{M}FLocat").get(f"{XLINK}href") for f in mets.iter(f"{M}file")]
    assert len(listed) == len(set(listed))
    # Every file but the root METS itself, and nothing that is not in the package.
    assert set(listed) == set(files) - {"METS.xml"}
    for href, file in mets_files(mets).items():
        body = files[href]
        assert file.get("SIZE") == str(len(body))
        assert file.get("CHECKSUMTYPE") == "SHA-256"
        assert file.get("CHECKSUM") == hashlib.sha256(body).hexdigest()
        assert DATETIME.match(file.get("CREATED"))
        assert file.get("MIMETYPE")
        flocat = file.find(f"{M}FLocat")
        assert flocat.get("LOCTYPE") == "URL"
        assert flocat.get(f"{XLINK}type") == "simple"
        assert len(file.findall(f"{M}FLocat")) == 1
        if href.endswith(".pdf"):
            assert file.get("MIMETYPE") == "application/pdf"
            assert file.get(f"{SIP}FILEFORMATNAME") == "PDF/A-2b"
            assert file.get(f"{SIP}FORMATREGISTRY") == "PRONOM"
            assert file.get(f"{SIP}FORMATREGISTRYKEY") == "fmt/477"


def test_ids_are_unique_ncnames_and_every_reference_resolves(package):
    files = contents(package)
    root = ET.fromstring(files["METS.xml"])
    rep = ET.fromstring(files["representations/rep1/METS.xml"])
    ids = [e.get("ID") for doc in (root, rep) for e in doc.iter() if e.get("ID") is not None]
    assert len(ids) == len(set(ids))
    assert all(NCNAME.match(i) for i in ids), ids
    for doc in (root, rep):
        groups = {g.get("ID") for g in doc.iter(f"{M}fileGrp")}
        assert {p.get("FILEID") for p in doc.iter(f"{M}fptr")} <= groups
    mptr = root.find(f".//{M}mptr")
    assert mptr.get(f"{XLINK}href") == "representations/rep1/METS.xml"
    assert mptr.get(f"{XLINK}title") in {g.get("ID") for g in root.iter(f"{M}fileGrp")}
    assert mptr.get("LOCTYPE") == "URL" and mptr.get(f"{XLINK}type") == "simple"


def test_root_mets_has_what_csip_and_sip_require(package):
    mets = ET.fromstring(contents(package)["METS.xml"])
    assert mets.get("TYPE") == "Mixed"
    assert mets.get("PROFILE") == "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"
    assert mets.get(f"{CSIP}CONTENTINFORMATIONTYPE") == "OTHER"
    assert mets.get(f"{CSIP}OTHERCONTENTINFORMATIONTYPE")
    header = mets.find(f"{M}metsHdr")
    assert DATETIME.match(header.get("CREATEDATE"))
    assert header.get("CREATEDATE") == "2027-01-10T09:00:00+01:00"
    assert header.get("RECORDSTATUS") == "NEW"
    assert header.get(f"{CSIP}OAISPACKAGETYPE") == "SIP"
    agents = {
        (a.get("ROLE"), a.get("TYPE"), a.get("OTHERTYPE")): a for a in header.findall(f"{M}agent")
    }
    software = agents[("CREATOR", "OTHER", "SOFTWARE")]
    assert software.findtext(f"{M}name") == "Kanalkoll"
    assert software.find(f"{M}note").get(f"{CSIP}NOTETYPE") == "SOFTWARE VERSION"
    assert software.findtext(f"{M}note")
    assert agents[("ARCHIVIST", "ORGANIZATION", None)].findtext(f"{M}name") == "Testby kommun"
    assert "Testby kommun" in agents[("CREATOR", "ORGANIZATION", None)].findtext(f"{M}name")

    groups = {g.get("USE"): g for g in mets.iter(f"{M}fileGrp")}
    assert {"Documentation", "Schemas", "Representations/rep1/data"} <= set(groups)
    assert all(len(g.findall(f"{M}file")) >= 1 for g in groups.values())

    struct = mets.find(f"{M}structMap")
    assert (struct.get("TYPE"), struct.get("LABEL")) == ("PHYSICAL", "CSIP")
    (top,) = struct.findall(f"{M}div")
    assert top.get("LABEL") == OBJID
    divs = {d.get("LABEL"): d for d in top.findall(f"{M}div")}
    assert {"Metadata", "Documentation", "Schemas", "Representations"} <= set(divs)
    for label, use in [
        ("Documentation", "Documentation"),
        ("Schemas", "Schemas"),
        ("Representations", "Representations/rep1/data"),
    ]:
        assert divs[label].find(f"{M}fptr").get("FILEID") == groups[use].get("ID")


def test_representation_mets_lists_its_data_files_relative_to_itself(package):
    files = contents(package)
    rep = ET.fromstring(files["representations/rep1/METS.xml"])
    assert rep.get(f"{CSIP}CONTENTINFORMATIONTYPE") == "OTHER"
    assert rep.find(f"{M}metsHdr").get(f"{CSIP}OAISPACKAGETYPE") == "SIP"
    data = {n for n in files if n.startswith("representations/rep1/data/")}
    listed = mets_files(rep)
    assert {f"representations/rep1/{href}" for href in listed} == data
    for href, file in listed.items():
        assert (
            file.get("CHECKSUM")
            == hashlib.sha256(files[f"representations/rep1/{href}"]).hexdigest()
        )


def test_only_current_sealed_snapshots_of_the_period_are_included(package, snapshots):
    files = contents(package)
    pdfs = {n: b for n, b in files.items() if n.endswith(".pdf")}
    assert sorted(hashlib.sha256(b).hexdigest() for b in pdfs.values()) == sorted(
        s.sha256 for s in snapshots["included"]
    )
    # The superseded version is not there; its newer version is.
    old, new = snapshots["excluded"][0], snapshots["included"][0]
    assert old.supersedes is None and new.supersedes_id == old.pk
    assert "representations/rep1/data/instagram_biblioteket-i-testby_2026H2_v2.pdf" in pdfs
    assert not any("_v1" in n and "biblioteket" in n for n in pdfs)


def test_file_names_are_ascii_even_for_swedish_account_names(package):
    names = [n.rsplit("/", 1)[1] for n in contents(package) if "/data/" in n]
    assert all(ASCII_NAME.match(n) for n in names), names
    assert "facebook-sida_arets-olfestival-i-alvsjo_2026H2_v1.pdf" in names
    assert "facebook-sida_arets-olfestival-i-alvsjo_avslut-20260914_v1.pdf" in names


def test_register_xml_validates_against_the_xsd_in_the_package(package, snapshots):
    files = contents(package)
    schema = etree.XMLSchema(etree.fromstring(files["schemas/kontoregister.xsd"]))
    register = etree.fromstring(files["representations/rep1/data/kontoregister.xml"])
    schema.assertValid(register)
    posts = register.findall(f"{K}post")
    assert len(posts) == len(snapshots["included"])
    by_file = {p.findtext(f"{K}fil"): p for p in posts}
    post = by_file["facebook-sida_arets-olfestival-i-alvsjo_avslut-20260914_v1.pdf"]
    assert post.findtext(f"{K}namn") == "Årets Ölfestival i Älvsjö"
    assert post.findtext(f"{K}anledning") == "avslut"
    assert post.findtext(f"{K}sha256") == snapshots["included"][2].sha256
    assert post.findtext(f"{K}fangad") == "2026-09-14T12:00:00+02:00"
    # Every file named in the register is in the package.
    assert {f"representations/rep1/data/{name}" for name in by_file} <= set(files)


def test_an_invalid_register_is_refused_by_the_xsd(package):
    files = contents(package)
    schema = etree.XMLSchema(etree.fromstring(files["schemas/kontoregister.xsd"]))
    register = etree.fromstring(files["representations/rep1/data/kontoregister.xml"])
    register.find(f"{K}post/{K}sha256").text = "not a checksum"
    assert not schema.validate(register)


def test_register_csv_has_a_header_and_a_row_per_snapshot(package, snapshots):
    text = contents(package)["representations/rep1/data/kontoregister.csv"].decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0].keys() >= {"kontoId", "fil", "sha256", "namn", "fangad", "forseglad"}
    assert len(rows) == len(snapshots["included"])
    # One account per row here, but for the account closed in the period: its half-year
    # snapshot and its final one.
    assert sorted(int(r["kontoId"]) for r in rows) == sorted(
        s.account_id for s in snapshots["included"]
    )
    biblioteket = next(r for r in rows if r["namn"] == "Biblioteket i Testby")
    assert biblioteket["version"] == "2"
    assert biblioteket["fangstsatt"] == "uppladdning"


def test_documentation_describes_the_delivery(package):
    text = contents(package)["documentation/leveransbeskrivning.txt"].decode()
    assert "Testby kommun" in text
    assert "2026-H2" in text
    assert "Ögonblicksbilder (PDF/A-2b): 3, av 2 konton" in text
    assert "halvårsskifte 2, inför avslut 1, på begäran 0" in text
    # The account whose half-year snapshot is still waiting is named.
    assert "ännu inte är förseglad: 1" in text and "- Skolan" in text


def test_a_spreadsheet_formula_in_a_name_is_defused_in_the_csv_only(org):
    seal(other_account(org, '=HYPERLINK("https://evil.example")'))
    path, _ = build_package(PERIOD, NOW)
    files = contents(unpack(path))
    text = files["representations/rep1/data/kontoregister.csv"].decode("utf-8-sig")
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["namn"].startswith("'=")
    register = etree.fromstring(files["representations/rep1/data/kontoregister.xml"])
    assert register.findtext(f"{K}post/{K}namn").startswith("=HYPERLINK")


def test_a_handle_is_readable_in_the_csv_and_exact_in_the_xml(org):
    account = other_account(org, "Ekdala på X", platform="x")
    seal(account)
    path, _ = build_package(PERIOD, NOW)
    files = contents(unpack(path))
    text = files["representations/rep1/data/kontoregister.csv"].decode("utf-8-sig")
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["anvandarnamn"] == account.handle.removeprefix("@")  # no quote, no @
    register = etree.fromstring(files["representations/rep1/data/kontoregister.xml"])
    assert register.findtext(f"{K}post/{K}anvandarnamn") == account.handle


def test_an_empty_period_still_gives_a_valid_package(org):
    path, name = build_package(Period.from_key("2025-H1"), NOW)
    files = contents(unpack(path))
    assert name == "sm-testby-kommun-2025H1.zip"
    mets = ET.fromstring(files["METS.xml"])
    assert {href for href in mets_files(mets)} == set(files) - {"METS.xml"}
    schema = etree.XMLSchema(etree.fromstring(files["schemas/kontoregister.xsd"]))
    schema.assertValid(etree.fromstring(files["representations/rep1/data/kontoregister.xml"]))


def test_a_pdf_that_no_longer_matches_its_seal_stops_the_build(org, account, settings):
    snapshot = seal(account)
    Path(snapshot.pdf.path).write_bytes(b"%PDF-1.7\n% changed after sealing\n")
    with pytest.raises(PackageError, match="stämmer inte med sin kontrollsumma"):
        build_package(PERIOD, NOW)
    # No half-written package is left behind.
    assert not list((Path(settings.MEDIA_ROOT) / "packages").glob("*.zip"))


def test_a_sealed_snapshot_with_a_pending_new_version_is_still_delivered(account):
    sealed = seal(account)
    Snapshot.objects.create(
        account=account,
        period_key="2026-H2",
        version=2,
        supersedes=sealed,
        due_at=NOW,
        created_at=NOW,
    )
    path, _ = build_package(PERIOD, NOW)
    pdfs = [n for n in contents(unpack(path)) if n.endswith(".pdf")]
    assert pdfs == ["representations/rep1/data/instagram_biblioteket-i-testby_2026H2_v1.pdf"]


def test_pdfs_are_copied_in_chunks_not_held_in_memory(org, account):
    big = b"%PDF-1.7\n" + bytes(range(256)) * (24 * 1024 * 1024 // 256)  # 24 MB
    seal(account, body=big)
    seal(other_account(org, "Ekdala bibliotek"), body=big[::-1])
    tracemalloc.start()
    try:
        path, _ = build_package(PERIOD, NOW)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024  # two 24 MB PDFs; at most a chunk or two held at once
    with zipfile.ZipFile(path) as archive:
        pdfs = [i for i in archive.infolist() if i.filename.endswith(".pdf")]
        assert sorted(i.file_size for i in pdfs) == [len(big)] * 2
        assert all(i.compress_type == zipfile.ZIP_STORED for i in pdfs)


def test_the_archivist_downloads_the_package(client, org, snapshots):
    services.package_for_download(org.people.arkivarie, PERIOD, NOW)  # the worker's part
    client.force_login(org.people.arkivarie)
    response = client.get(reverse("archive:package", args=["2026-H2"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f'filename="{OBJID}-v1.zip"' in response["Content-Disposition"]
    files = unpack(io.BytesIO(b"".join(response.streaming_content)))
    response.close()
    assert {n.split("/", 1)[0] for n in files} == {OBJID}


def test_content_key_is_the_digest_of_the_content_without_loading_it(
    org, account, snapshots, django_assert_max_num_queries
):
    """The period page asks content_key() on every request: the same digest and count
    as package_content() gives, from two queries of ids (a waiting snapshot, a sealed
    retake, a final snapshot in the period; a second waiting version of the missing
    account counts once)."""
    from archive.package import content_digest, content_key, package_content

    waiting = snapshots["excluded"][-1]
    Snapshot.objects.create(
        account=waiting.account,
        period_key="2026-H2",
        version=2,
        due_at=PERIOD.due_at,
        created_at=PERIOD.due_at,
    )
    # A pending retake of a sealed one: the sealed one is delivered, not missing.
    Snapshot.objects.create(
        account=snapshots["festival"],
        period_key="2026-H2",
        version=2,
        supersedes=snapshots["included"][1],
        due_at=PERIOD.due_at,
        created_at=PERIOD.due_at,
    )
    content = package_content(PERIOD)
    assert [m["account"] for m in content["missing"]] == [waiting.account_id]
    with django_assert_max_num_queries(2):
        digest, count = content_key(PERIOD)
    assert (digest, count) == (content_digest(content), len(content["snapshots"]))
    assert count == 3
