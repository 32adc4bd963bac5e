"""What a decision hands out: the masked copy of each released record, the decision
document (PDF/A) when anything is refused or masked, and the bundle (zip).

The bundle holds `utlamnade-handlingar.pdf` (PDF/A-2b, what was released, masking
shown), `handlingar.json` and `handlingar.csv` (the same records, machine-readable),
`beslut.pdf` when the decision refuses anything, each sealed snapshot under
`ogonblicksbilder/` as it was sealed (copied through archive.integrity.copy_sealed, so
its SHA-256 is its seal's or nothing is handed out) and `manifest.json`: the SHA-256 and
size of every other file in it. The originals are never changed: masking works on the
copy only.
"""

import hashlib
import io
import json
import zipfile

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from archive.integrity import SealBroken, copy_sealed
from config.pdf import render_pdf
from core import csvsafe
from organisation.models import Unit

from . import sources
from .models import Outcome

MANIFEST = "manifest.json"


def mask_text(text, masks, provision):
    """`text` with every occurrence of each string in `masks` replaced by the masking
    notice (longest first, so a string inside another is covered by the longer one)."""
    notice = _("[maskerat enligt %(provision)s]") % {"provision": provision}
    for mask in sorted({m for m in masks if m}, key=len, reverse=True):
        text = text.replace(mask, notice)
    return text


def released_copy(source, record, item):
    """The record as handed out: its fields and its texts, masked as the review said."""
    copy = source.fields(record)
    copy["handling"] = item["title"]
    texts = []
    for label, text in source.texts(record):
        if item["outcome"] == Outcome.MASK:
            text = mask_text(text, item["masks"], item["provision"])
        texts.append({"falt": label, "text": text})
    copy["texter"] = texts
    if item["outcome"] == Outcome.MASK:
        copy["maskerat_enligt"] = item["provision"]
    return copy


def _context(request, decision_items, now):
    return {
        "request": request,
        "items": decision_items,
        "kommun": Unit.objects.kommun(),
        "now": now,
    }


def decision_document(request, number, items, now):
    """The written decision: each record refused or masked, with the provision and the
    reason, the besvärshänvisning and the right to the authority's own decision."""
    refused = [item for item in items if item["outcome"] != Outcome.RELEASE]
    with translation.override(settings.LANGUAGE_CODE):
        return render_pdf(
            "disclosure/decision_pdf.html",
            {**_context(request, refused, now), "number": number, "all_items": items},
            title=_("Beslut om utlämnande av allmänna handlingar, %(ref)s")
            % {"ref": request.reference},
        )


class Bundle:
    def __init__(self, now):
        self.buffer = io.BytesIO()
        self.zip = zipfile.ZipFile(self.buffer, "w", zipfile.ZIP_DEFLATED)
        self.date_time = timezone.localtime(now).timetuple()[:6]
        self.files = []

    def add(self, name, data, **extra):
        info = zipfile.ZipInfo(name, self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, data)
        self.files.append(
            {"fil": name, "sha256": hashlib.sha256(data).hexdigest(), "storlek": len(data), **extra}
        )

    def add_sealed(self, name, snapshot):
        target = io.BytesIO()
        copy_sealed(snapshot, target)  # SealBroken: nothing is handed out
        self.add(name, target.getvalue(), forsegling_sha256=snapshot.sha256)

    def close(self, manifest):
        self.zip.writestr(
            zipfile.ZipInfo(MANIFEST, self.date_time),
            json.dumps(manifest, ensure_ascii=False, indent=2),
            compress_type=zipfile.ZIP_DEFLATED,
        )
        self.zip.close()
        return self.buffer.getvalue()


CSV_HEADER = ["slag", "id", "konto", "plattform", "datum", "handling", "maskerat_enligt", "text"]


def bundle(request, number, items, document, now):
    """The zip of what `items` release (and the decision document, if any) and its
    manifest: (bytes, manifest files). Raises SealBroken if a sealed snapshot does not
    match its seal."""
    released = [item for item in items if item["outcome"] != Outcome.REFUSE]
    out = Bundle(now)
    copies, snapshots = [], []
    for item in released:
        source = sources.get(item["kind"])
        record = sources.load(item["kind"], item["object_id"])
        if record is None:  # gallrad since it was attached: nothing to hand out
            continue
        copy = released_copy(source, record, item)
        if source.sealed_file:
            name = f"ogonblicksbilder/{record.filename}"
            copy["fil"], copy["sha256"] = name, record.sha256
            snapshots.append((name, record))
        copies.append(copy)
    with translation.override(settings.LANGUAGE_CODE):
        pdf = render_pdf(
            "disclosure/released_pdf.html",
            {**_context(request, copies, now), "number": number},
            title=_("Utlämnade allmänna handlingar, %(ref)s") % {"ref": request.reference},
        )
    out.add("utlamnade-handlingar.pdf", pdf)
    out.add("handlingar.json", json.dumps(copies, ensure_ascii=False, indent=2).encode())
    text = io.StringIO()
    writer = csvsafe.writer(text)
    writer.writerow(CSV_HEADER)
    for copy in copies:
        joined = "\n\n".join(f"{t['falt']}: {t['text']}" for t in copy["texter"] if t["text"])
        writer.writerow(
            [copy["slag"], copy["id"], copy["konto"], copy["plattform"], copy["datum"],
             copy["handling"], copy.get("maskerat_enligt", ""), joined]
        )  # fmt: skip
    out.add("handlingar.csv", text.getvalue().encode("utf-8-sig"))
    if document:
        out.add("beslut.pdf", document)
    for name, snapshot in snapshots:
        out.add_sealed(name, snapshot)
    manifest = {
        "begaran": request.reference,
        "beslut": number,
        "utlamnat": timezone.localtime(now).isoformat(),
        "filer": out.files,
    }
    return out.close(manifest), out.files


__all__ = ["SealBroken", "bundle", "decision_document", "mask_text", "released_copy"]


def sha256(data):
    return hashlib.sha256(data).hexdigest()
