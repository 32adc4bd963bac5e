"""A period's archive package for kommunarkivet, following FGS Paketstruktur 2.0, which
is E-ARK CSIP 2.1.0 together with E-ARK SIP 2.1.0.

`build_package(period, now)` writes a zip with a single root folder named as the
package's OBJID ("sm-testby-kommun-2026H2"):

    METS.xml                              the manifest: every file with size and SHA-256
    metadata/{descriptive,preservation,other}/      present, empty
    representations/rep1/METS.xml         the representation's own METS
    representations/rep1/data/            the sealed PDF/A-2b snapshots,
                                          kontoregister.csv and kontoregister.xml, and
                                          per account the period's comment log
                                          (kommentarslogg-konto-<id>.xml and .json)
    representations/rep1/metadata/        present, empty
    schemas/kontoregister.xsd             the schema of kontoregister.xml
    schemas/kommentarslogg.xsd            the schema of the comment logs
    documentation/leveransbeskrivning.txt what was delivered, and how it was captured

The PDFs are copied into the zip from storage in chunks while their SHA-256 is computed,
so memory stays flat however many there are. A copy that does not match the checksum
stored at sealing stops the build: a package never vouches for a changed file.

Size: one delivery format (FGS Paketstruktur 2.0: the zip, both METS files, the register
in CSV and XML, the delivery description), read against the specification as a whole.
"""

import datetime
import functools
import hashlib
import io
import json
import re
import tempfile
import time
import tomllib
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import Account
from core import csvsafe
from organisation.models import Unit

from . import commentlog, integrity
from .models import Method, Reason, Snapshot, State

METS = "http://www.loc.gov/METS/"
XLINK = "http://www.w3.org/1999/xlink"
CSIP = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS"
SIP = "https://DILCIS.eu/XML/METS/SIPExtensionMETS"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
REGISTER = "urn:x-kanalkoll:kontoregister:1"
for _prefix, _uri in (("mets", METS), ("xlink", XLINK), ("csip", CSIP), ("sip", SIP), ("xsi", XSI)):
    ET.register_namespace(_prefix, _uri)

PROFILE = "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml"  # SIP 2.1.0, unversioned
PACKAGE_TYPE = "Mixed"
CONTENT_TYPE = "Social media snapshots"
SOFTWARE = "Kanalkoll"

# (format name, PRONOM key) for the file's sip: attributes.
PDF_A_2B = ("PDF/A-2b", "fmt/477")
CSV_FORMAT = ("Comma Separated Values", "x-fmt/18")
XML_FORMAT = ("Extensible Markup Language", "fmt/101")

XSD_PATH = Path(__file__).resolve().parent / "schemas" / "kontoregister.xsd"
REPRESENTATION = "representations/rep1"
DATA = f"{REPRESENTATION}/data"
FOLDERS = [
    "metadata/",
    "metadata/descriptive/",
    "metadata/preservation/",
    "metadata/other/",
    "representations/",
    f"{REPRESENTATION}/",
    f"{DATA}/",
    f"{REPRESENTATION}/metadata/",
    "schemas/",
    "documentation/",
]

CHUNK = 1024 * 1024
# Built packages are left for the view to stream; older ones are removed by the next build.
STALE_AFTER = 3600  # seconds

# Columns of kontoregister.csv, in order; the XML's <post> children have the same names.
# The second member is the key in the snapshot's frozen register data, if it comes from there.
REGISTER_COLUMNS = [
    ("kontoId", None),
    ("fil", None),
    ("anledning", None),
    ("period", None),
    ("version", None),
    ("fangstsatt", None),
    ("fangad", None),
    ("forseglad", None),
    ("sha256", None),
    ("namn", "name"),
    ("plattform", "platform"),
    ("adress", "url"),
    ("anvandarnamn", "handle"),
    ("enhet", "unit"),
    ("ansvarig", "responsible"),
    ("ansvarigsTitel", "responsible_title"),
    ("syfte", "purpose"),
    ("malgrupp", "audience"),
    ("status", "status"),
    ("oppnat", "opened_on"),
    ("planreferens", "plan_reference"),
]
OPTIONAL_IN_XML = {"period", "fangad", "oppnat"}

_LETTERS = str.maketrans(
    {"æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d", "Đ": "D", "ł": "l",
     "Ł": "L", "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D", "œ": "oe", "Œ": "OE"}
)  # fmt: skip
# Characters XML 1.0 cannot carry at all.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class PackageError(Exception):
    """The package cannot be built as it should be (a stored PDF no longer matches its
    checksum, or is missing)."""


@dataclass
class Entry:
    """A file written into the package, as the METS describes it."""

    path: str  # relative to the package root
    size: int
    sha256: str
    mimetype: str
    created: datetime.datetime
    fileformat: tuple | None = None


def build_package(period, now, progress=None):
    """Write the period's package to a temporary zip; return (path, download name).
    `progress(done, total)`, if given, is called after each snapshot is written."""
    kommun = Unit.objects.kommun()
    kommun_name = kommun.name if kommun else "Kommunen"
    objid = package_id(kommun_name, period)
    snapshots = package_snapshots(period)
    names = file_names(snapshots)

    folder = Path(settings.MEDIA_ROOT) / "packages"
    folder.mkdir(parents=True, exist_ok=True)
    _remove_stale(folder)
    handle = tempfile.NamedTemporaryFile(
        dir=folder, prefix=f"{objid}-", suffix=".zip", delete=False
    )
    try:
        with handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            writer = _Writer(archive, objid)
            for name in FOLDERS:
                writer.folder(name)
            data = []
            for done, snapshot in enumerate(snapshots, 1):
                data.append(writer.copy_pdf(f"{DATA}/{names[snapshot.pk]}", snapshot))
                if progress is not None:
                    progress(done, len(snapshots))
            rows = [register_row(s, names[s.pk]) for s in snapshots]
            data.append(
                writer.add(
                    f"{DATA}/kontoregister.csv", register_csv(rows), "text/csv", now, CSV_FORMAT
                )
            )
            data.append(
                writer.add(
                    f"{DATA}/kontoregister.xml",
                    register_xml(rows, kommun_name, period, now),
                    "application/xml",
                    now,
                    XML_FORMAT,
                )
            )
            # Per account, the period's comment log (archive.commentlog).
            for account in Account.objects.filter(
                pk__in={s.account_id for s in snapshots}
            ).order_by("pk"):
                data.extend(commentlog.add_comment_log(writer, account, period, kommun_name, now))
            schemas = [
                writer.add(
                    "schemas/kontoregister.xsd", XSD_PATH.read_bytes(), "application/xml", now
                ),
                commentlog.schema_entry(writer, now),
            ]
            text = delivery_description(objid, kommun_name, period, now, snapshots, names)
            documentation = [
                writer.add(
                    "documentation/leveransbeskrivning.txt", text.encode(), "text/plain", now
                )
            ]
            representation_mets = writer.add(
                f"{REPRESENTATION}/METS.xml",
                representation_mets_xml(objid, period, now, data),
                "application/xml",
                now,
            )
            writer.add(
                "METS.xml",
                root_mets_xml(
                    objid,
                    kommun_name,
                    period,
                    now,
                    documentation,
                    schemas,
                    data,
                    representation_mets,
                ),
                "application/xml",
                now,
            )
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return handle.name, f"{objid}.zip"


# -- what goes in -------------------------------------------------------------------------


def _package_rows(period):
    """(sealed, waiting): the querysets of what a package of the period holds, the
    sealed current snapshots, and of its half-year snapshots not sealed yet."""
    sealed = Snapshot.objects.sealed().exclude(superseded_by__state=State.SEALED)
    semiannual = sealed.filter(reason=Reason.SEMIANNUAL, period_key=period.key)
    others = sealed.filter(
        reason__in=[Reason.FINAL, Reason.ON_DEMAND],
        captured_at__gte=period.starts_at,
        captured_at__lt=period.ends_at,
    )
    waiting = Snapshot.objects.filter(reason=Reason.SEMIANNUAL, period_key=period.key).exclude(
        state__in=[State.SEALED, State.SUPERSEDED]
    )
    return (semiannual | others).distinct(), waiting, semiannual


def package_snapshots(period):
    """The period's sealed, current semiannual snapshots, and the sealed final and
    on-demand snapshots captured within it; by account name, half-year snapshot first."""
    found, _waiting, _semiannual = _package_rows(period)
    rank = {Reason.SEMIANNUAL: 0, Reason.FINAL: 1, Reason.ON_DEMAND: 2}
    return sorted(
        found.select_related("account"),
        key=lambda s: (
            s.account.display_name.casefold(),
            s.account_id,
            rank.get(s.reason, 3),
            s.captured_at or s.sealed_at,
            s.pk,
        ),
    )


def missing_snapshots(period, snapshots):
    """One waiting half-year snapshot per account whose half-year snapshot for the period
    is not sealed yet (not among `snapshots`), by account name."""
    delivered = {s.account_id for s in snapshots if s.reason == Reason.SEMIANNUAL}
    _found, waiting, _semiannual = _package_rows(period)
    waiting = (
        waiting.exclude(account_id__in=delivered)
        .select_related("account")
        .order_by("account__display_name", "account_id", "version")
    )
    return list({s.account_id: s for s in waiting}.values())


def package_content(period):
    """What a package of the period holds as things stand: each snapshot (id, account,
    version, SHA-256) and the accounts whose half-year snapshot is still missing."""
    snapshots = package_snapshots(period)
    return {
        "snapshots": [
            {
                "id": s.pk,
                "account": s.account_id,
                "name": s.account.display_name,
                "reason": s.reason,
                "version": s.version,
                "sha256": s.sha256,
            }
            for s in snapshots
        ],
        "missing": [
            {
                "account": s.account_id,
                "name": s.account.display_name,
                "due_at": s.due_at.isoformat(),
            }
            for s in missing_snapshots(period, snapshots)
        ],
    }


def _digest(snapshots, missing):
    """The fingerprint of (id, SHA-256) of each snapshot and the missing accounts' ids."""
    key = {"snapshots": sorted(snapshots), "missing": sorted(missing)}
    return hashlib.sha256(json.dumps(key).encode()).hexdigest()


def content_digest(content):
    """A fingerprint of what a package holds: the same snapshots and the same missing
    accounts give the same package (names and dates are left out)."""
    return _digest(
        [(s["id"], s["sha256"]) for s in content["snapshots"]],
        [m["account"] for m in content["missing"]],
    )


def content_key(period):
    """(content_digest(package_content(period)), how many snapshots it holds), from the
    ids and SHA-256s alone: for the period page, which asks on every request, without
    loading and sorting every snapshot and account of the period."""
    found, waiting, semiannual = _package_rows(period)
    snapshots = list(found.order_by().values_list("pk", "sha256"))
    missing = (
        waiting.exclude(account_id__in=semiannual.order_by().values("account_id"))
        .order_by()
        .values_list("account_id", flat=True)
        .distinct()
    )
    return _digest(snapshots, list(missing)), len(snapshots)


def file_sha256(handle):
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def ascii_slug(text, fallback, max_length=60):
    """Lower-case ASCII letters, digits and hyphens: "Åsa Öberg" -> "asa-oberg"."""
    text = unicodedata.normalize("NFKD", (text or "").translate(_LETTERS))
    text = text.encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:max_length].strip("-")
    return slug or fallback


def package_id(kommun_name, period):
    return f"sm-{ascii_slug(kommun_name, 'kommun')}-{period.key.replace('-', '')}"


def file_names(snapshots):
    """{snapshot id: file name} with names of [A-Za-z0-9._-] only, unique in the package:
    instagram_biblioteket-i-testby_2026H2_v1.pdf, facebook-sida_skolan_avslut-20260914_v1.pdf."""
    names, taken = {}, set()
    for snapshot in snapshots:
        if snapshot.reason == Reason.SEMIANNUAL and snapshot.period_key:
            tag = snapshot.period_key.replace("-", "")
        else:
            moment = timezone.localtime(snapshot.captured_at or snapshot.sealed_at)
            tag = f"{snapshot.reason}-{moment:%Y%m%d}"
        stem = "_".join(
            [
                ascii_slug(snapshot.account.platform, "konto"),
                ascii_slug(snapshot.account.display_name, "konto"),
                tag,
                f"v{snapshot.version}",
            ]
        )
        name = f"{stem}.pdf"
        if name in taken:
            name = f"{stem}_id{snapshot.pk}.pdf"
        taken.add(name)
        names[snapshot.pk] = name
    return names


# -- the zip ---------------------------------------------------------------------------------


class _Writer:
    def __init__(self, archive, root):
        self.archive = archive
        self.root = root
        self.archive.mkdir(f"{root}/", mode=0o755)

    def folder(self, name):
        self.archive.mkdir(f"{self.root}/{name}", mode=0o755)

    def _info(self, path, created, compress_type):
        stamp = timezone.localtime(created).timetuple()[:6]
        info = zipfile.ZipInfo(f"{self.root}/{path}", date_time=max(stamp, (1980, 1, 1, 0, 0, 0)))
        info.compress_type = compress_type
        info.external_attr = 0o644 << 16
        return info

    def add(self, path, data, mimetype, created, fileformat=None):
        self.archive.writestr(self._info(path, created, zipfile.ZIP_DEFLATED), data)
        digest = hashlib.sha256(data).hexdigest()
        return Entry(path, len(data), digest, mimetype, created, fileformat)

    def copy_pdf(self, path, snapshot):
        """Copy a sealed PDF from storage in chunks (PDFs are compressed already: stored),
        verified against its SHA-256 as it is copied (a mismatch fails the package)."""
        if not snapshot.pdf:
            raise PackageError(f"Snapshot {snapshot.pk} is sealed but has no PDF.")
        created = snapshot.sealed_at or snapshot.captured_at
        info = self._info(path, created, zipfile.ZIP_STORED)
        try:
            large = snapshot.pdf.size > zipfile.ZIP64_LIMIT
        except FileNotFoundError:
            large = False  # copy_sealed tells
        try:
            with self.archive.open(info, "w", force_zip64=large) as target:
                size = integrity.copy_sealed(snapshot, target)
        except integrity.SealBroken as exc:
            raise PackageError(f"{snapshot.filename}: {exc}") from exc
        return Entry(path, size, snapshot.sha256, "application/pdf", created, PDF_A_2B)


def _remove_stale(folder):
    limit = time.time() - STALE_AFTER
    for old in folder.glob("sm-*.zip"):
        try:
            if old.stat().st_mtime < limit:
                old.unlink()
        except FileNotFoundError:
            pass  # another build removed it first


# -- the register extract ---------------------------------------------------------------


def stamp(moment):
    """xs:dateTime in Swedish local time with its offset: 2026-07-01T10:00:00+02:00."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def register_row(snapshot, name):
    frozen = snapshot.register_data or {}
    row = {
        "kontoId": str(snapshot.account_id),
        "fil": name,
        "anledning": snapshot.reason,
        "period": snapshot.period_key,
        "version": str(snapshot.version),
        "fangstsatt": snapshot.method,
        "fangad": stamp(snapshot.captured_at),
        "forseglad": stamp(snapshot.sealed_at),
        "sha256": snapshot.sha256,
    }
    for column, key in REGISTER_COLUMNS:
        if key is not None:
            value = frozen.get(key)
            row[column] = "" if value is None else str(value)
    return row


CSV_CELLS = {"anvandarnamn": csvsafe.handle}  # written without @ (core.csvsafe)


def register_csv(rows):
    """UTF-8 with a byte order mark (so that Excel reads å, ä, ö), comma separated, CRLF."""
    out = io.StringIO()
    writer = csvsafe.writer(out)  # formula cells defused; the XML keeps the exact value
    writer.writerow([column for column, _ in REGISTER_COLUMNS])
    for row in rows:
        writer.writerow([CSV_CELLS.get(column, str)(row[column]) for column, _ in REGISTER_COLUMNS])
    return out.getvalue().encode("utf-8-sig")


def _text(value):
    return _NOT_XML.sub("", value)


def _is_date(value):
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def register_xml(rows, kommun_name, period, now):
    def sub(parent, name, text):
        ET.SubElement(parent, name).text = _text(text)

    # Unprefixed names in the register's namespace, declared on the root: ElementTree's
    # default_namespace option would refuse the unqualified version attribute.
    root = ET.Element(
        "kontoregister",
        {
            "xmlns": REGISTER,
            "version": "1.0",
            f"{{{XSI}}}schemaLocation": f"{REGISTER} ../../../schemas/kontoregister.xsd",
        },
    )
    sub(root, "kommun", kommun_name)
    sub(root, "period", period.key)
    sub(root, "periodStart", period.first_day.isoformat())
    sub(root, "periodSlut", period.last_day.isoformat())
    sub(root, "skapad", stamp(now))
    for row in rows:
        post = ET.SubElement(root, "post")
        for column, _ in REGISTER_COLUMNS:
            value = row[column]
            if column in OPTIONAL_IN_XML and not value:
                continue  # xs:date and xs:dateTime have no empty value: left out
            if column == "oppnat" and not _is_date(value):
                continue
            sub(post, column, value)
    return _serialise(root)


def _serialise(root):
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'.encode()


# -- METS ---------------------------------------------------------------------------------


def _m(name):
    return f"{{{METS}}}{name}"


@functools.cache
def software_version():
    try:
        with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as fh:
            return tomllib.load(fh)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "okänd"


def _mets(objid, label, now, agents):
    mets = ET.Element(
        _m("mets"),
        {
            "OBJID": objid,
            "LABEL": label,
            "TYPE": PACKAGE_TYPE,
            f"{{{CSIP}}}CONTENTINFORMATIONTYPE": "OTHER",
            f"{{{CSIP}}}OTHERCONTENTINFORMATIONTYPE": CONTENT_TYPE,
            "PROFILE": PROFILE,
        },
    )
    header = ET.SubElement(
        mets,
        _m("metsHdr"),
        {"CREATEDATE": stamp(now), "RECORDSTATUS": "NEW", f"{{{CSIP}}}OAISPACKAGETYPE": "SIP"},
    )
    software = ET.SubElement(
        header, _m("agent"), {"ROLE": "CREATOR", "TYPE": "OTHER", "OTHERTYPE": "SOFTWARE"}
    )
    ET.SubElement(software, _m("name")).text = SOFTWARE
    ET.SubElement(
        software, _m("note"), {f"{{{CSIP}}}NOTETYPE": "SOFTWARE VERSION"}
    ).text = software_version()
    for role, name in agents:
        agent = ET.SubElement(header, _m("agent"), {"ROLE": role, "TYPE": "ORGANIZATION"})
        ET.SubElement(agent, _m("name")).text = _text(name)
    return mets


def _file_group(parent, group_id, use, entries, id_prefix, href_base="", content_type=False):
    attrs = {"ID": group_id, "USE": use}
    if content_type:
        attrs[f"{{{CSIP}}}CONTENTINFORMATIONTYPE"] = "OTHER"
        attrs[f"{{{CSIP}}}OTHERCONTENTINFORMATIONTYPE"] = CONTENT_TYPE
    group = ET.SubElement(parent, _m("fileGrp"), attrs)
    for number, entry in enumerate(entries, start=1):
        attrs = {
            "ID": f"{id_prefix}-{number}",
            "MIMETYPE": entry.mimetype,
            "SIZE": str(entry.size),
            "CREATED": stamp(entry.created),
            "CHECKSUM": entry.sha256,
            "CHECKSUMTYPE": "SHA-256",
        }
        if entry.fileformat:
            attrs[f"{{{SIP}}}FILEFORMATNAME"] = entry.fileformat[0]
            attrs[f"{{{SIP}}}FORMATREGISTRY"] = "PRONOM"
            attrs[f"{{{SIP}}}FORMATREGISTRYKEY"] = entry.fileformat[1]
        file = ET.SubElement(group, _m("file"), attrs)
        href = entry.path[len(href_base) :] if href_base else entry.path
        ET.SubElement(
            file,
            _m("FLocat"),
            {"LOCTYPE": "URL", f"{{{XLINK}}}type": "simple", f"{{{XLINK}}}href": href},
        )
    return group


def _div(parent, div_id, label, file_group=None):
    div = ET.SubElement(parent, _m("div"), {"ID": div_id, "LABEL": label})
    if file_group is not None:
        ET.SubElement(div, _m("fptr"), {"FILEID": file_group})
    return div


def _label(kommun_name, period):
    return f"{kommun_name}: sociala medier, startsidor, {period.year} H{period.half}"


def root_mets_xml(
    objid, kommun_name, period, now, documentation, schemas, data, representation_mets
):
    mets = _mets(
        objid,
        _label(kommun_name, period),
        now,
        agents=[
            ("ARCHIVIST", kommun_name),  # arkivbildare (SIP9-14)
            ("CREATOR", f"{kommun_name}, kommunikationsavdelningen"),  # submitter (SIP15-20)
        ],
    )
    files = ET.SubElement(mets, _m("fileSec"), {"ID": "fs-root"})
    _file_group(files, "fg-documentation", "Documentation", documentation, "f-documentation")
    _file_group(files, "fg-schemas", "Schemas", schemas, "f-schemas")
    _file_group(
        files, "fg-rep1-data", "Representations/rep1/data", data, "f-rep1-data", content_type=True
    )
    _file_group(
        files,
        "fg-rep1",
        "Representations/rep1",
        [representation_mets],
        "f-rep1-mets",
        content_type=True,
    )
    struct = ET.SubElement(
        mets, _m("structMap"), {"ID": "sm-root", "TYPE": "PHYSICAL", "LABEL": "CSIP"}
    )
    top = _div(struct, "d-root", objid)
    _div(top, "d-metadata", "Metadata")  # no dmdSec or amdSec: nothing to reference
    _div(top, "d-documentation", "Documentation", "fg-documentation")
    _div(top, "d-schemas", "Schemas", "fg-schemas")
    _div(top, "d-representations", "Representations", "fg-rep1-data")
    rep = _div(top, "d-rep1", "Representations/rep1")
    ET.SubElement(
        rep,
        _m("mptr"),
        {
            "LOCTYPE": "URL",
            f"{{{XLINK}}}type": "simple",
            f"{{{XLINK}}}href": representation_mets.path,
            f"{{{XLINK}}}title": "fg-rep1",
        },
    )
    return _serialise(mets)


def representation_mets_xml(objid, period, now, data):
    """The representation's own METS (CSIPSTR12): its data files, with paths relative to
    the representation folder. Its IDs start with "r1-", unique in the whole package."""
    rep_id = f"{objid}-rep1"
    mets = _mets(rep_id, f"{period.key}: representation 1", now, agents=[])
    files = ET.SubElement(mets, _m("fileSec"), {"ID": "r1-fs"})
    _file_group(
        files, "r1-fg-data", "Data", data, "r1-f-data", f"{REPRESENTATION}/", content_type=True
    )
    struct = ET.SubElement(
        mets, _m("structMap"), {"ID": "r1-sm", "TYPE": "PHYSICAL", "LABEL": "CSIP"}
    )
    top = _div(struct, "r1-d-root", rep_id)
    _div(top, "r1-d-metadata", "Metadata")
    _div(top, "r1-d-data", "Data", "r1-fg-data")
    return _serialise(mets)


# -- documentation ------------------------------------------------------------------------


def delivery_description(objid, kommun_name, period, now, snapshots, names):
    """A short leveransbeskrivning in Swedish: what is delivered, how it was captured.
    The text is archive/leveransbeskrivning.txt; this gathers what it counts."""
    context = {
        "objid": objid,
        "kommun_name": kommun_name,
        "period": period,
        "created": stamp(now),
        "software": SOFTWARE,
        "version": software_version(),
        "snapshots": snapshots,
        "accounts": len({s.account_id for s in snapshots}),
        "by_reason": [(r.label, sum(1 for s in snapshots if s.reason == r)) for r in Reason],
        "by_method": [(m.label, sum(1 for s in snapshots if s.method == m)) for m in Method],
        "missing": [s.account for s in missing_snapshots(period, snapshots)],
        "representation": REPRESENTATION,
        "data": DATA,
        "files": [(names[s.pk], s.sha256) for s in snapshots],
    }
    with translation.override(settings.LANGUAGE_CODE):  # a record in Swedish
        return render_to_string("archive/leveransbeskrivning.txt", context)
