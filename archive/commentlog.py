"""An account's comment log for a half-year, for the archive package: every event a
platform delivered about the account's comments in the period (as received) and every
version of each comment, with what the kommun did with it. Written as XML (with its
schema, schemas/kommentarslogg.xsd) and as JSON; `add_comment_log(writer, account,
period, now)` is the one call the package builder makes per account.
"""

import json
from pathlib import Path
from xml.etree import ElementTree as ET

from moderation.models import CommentVersion, Item, Outcome, PlatformEvent

NAMESPACE = "urn:x-kanalkoll:kommentarslogg:1"
XSD_NAME = "kommentarslogg.xsd"
XSD_PATH = Path(__file__).resolve().parent / "schemas" / XSD_NAME
JSON_FORMAT = ("JSON Data Interchange Format", "fmt/817")


def _events(account, period):
    return PlatformEvent.objects.filter(
        account=account, received_at__gte=period.starts_at, received_at__lt=period.ends_at
    ).order_by("received_at", "id")


def comment_log(account, period, kommun_name, now):
    """The log as plain data (the JSON file; the XML has the same content)."""
    from .package import stamp

    events = list(_events(account, period))
    item_ids = sorted({e.item_id for e in events if e.item_id})
    items = Item.objects.filter(pk__in=item_ids).order_by("pk")
    versions = {}
    for version in CommentVersion.objects.filter(item__in=item_ids).select_related("event"):
        versions.setdefault(version.item_id, []).append(version)
    return {
        "version": "1.0",
        "kommun": kommun_name,
        "kontoId": account.pk,
        "konto": account.display_name,
        "plattform": account.get_platform_display(),
        "period": period.key,
        "periodStart": period.first_day.isoformat(),
        "periodSlut": period.last_day.isoformat(),
        "skapad": stamp(now),
        "kommentarer": [
            {
                "arendeId": item.pk,
                "kallId": item.external_id,
                "typ": item.get_kind_display(),
                "utfall": item.get_outcome_display() if item.outcome else "",
                "hanterad": stamp(item.resolved_at),
                "borttagenAvKommunen": item.outcome == Outcome.REMOVED,
                "skalForBorttagning": item.get_removal_reason_display()
                if item.removal_reason
                else "",
                "lank": item.post_url,
                "versioner": [
                    {
                        "nummer": v.number,
                        "verb": v.verb,
                        "skribent": v.author,
                        "text": v.text,
                        "tidpunkt": stamp(v.occurred_at),
                        "mottagen": stamp(v.received_at),
                        "handelseNyckel": v.event.key,
                    }
                    for v in sorted(versions.get(item.pk, []), key=lambda v: v.number)
                ],
            }
            for item in items
        ],
        "handelser": [
            {
                "nyckel": e.key,
                "plattform": e.platform,
                "kommentarId": e.object_id,
                "verb": e.verb,
                "tidpunkt": stamp(e.occurred_at),
                "mottagen": stamp(e.received_at),
                "signaturStammer": e.signature_valid,
                "utfall": e.get_outcome_display(),
                "arendeId": e.item_id,
                "ra": e.raw,
            }
            for e in events
        ],
    }


def summary(account, period):
    """Counts for the snapshot PDF: comments, events, edits and deletions by their
    authors, and removals by the kommun."""
    events = _events(account, period)
    items = Item.objects.filter(pk__in=events.exclude(item=None).values("item_id"))
    return {
        "events": events.count(),
        "comments": items.count(),
        "edited": events.filter(verb="edited").count(),
        "deleted_by_author": events.filter(verb="remove").count(),
        "removed_by_kommun": items.filter(outcome=Outcome.REMOVED).count(),
        "unknown": events.filter(item=None).count(),
    }


def _sub(parent, name, value):
    from .package import _text

    ET.SubElement(parent, name).text = _text(str(value))


# The children of each element, in the schema's order: "name" always, "name?" only when
# it has a value, "name!" as true or false.
_COMMENT = (
    "arendeId", "kallId", "typ", "utfall", "hanterad?", "borttagenAvKommunen!",
    "skalForBorttagning?", "lank?",
)  # fmt: skip
_VERSION = ("nummer", "verb", "skribent", "text", "tidpunkt?", "mottagen", "handelseNyckel")
_EVENT = (
    "nyckel", "plattform", "kommentarId", "verb", "tidpunkt?", "mottagen", "signaturStammer!",
    "utfall", "arendeId?",
)  # fmt: skip


def _element(parent, tag, values, children):
    """A `tag` element under `parent` with `values` as its `children` (see above)."""
    node = ET.SubElement(parent, tag)
    for child in children:
        name, kind = child.rstrip("?!"), child[-1]
        value = values[name]
        if kind == "!":
            _sub(node, name, "true" if value else "false")
        elif kind != "?" or value:
            _sub(node, name, value)
    return node


def comment_log_xml(data):
    from .package import XSI, _serialise

    root = ET.Element(
        "kommentarslogg",
        {
            "xmlns": NAMESPACE,
            "version": "1.0",
            f"{{{XSI}}}schemaLocation": f"{NAMESPACE} ../../../schemas/{XSD_NAME}",
        },
    )
    for name in ("kommun", "kontoId", "konto", "plattform", "period", "periodStart"):
        _sub(root, name, data[name])
    _sub(root, "periodSlut", data["periodSlut"])
    _sub(root, "skapad", data["skapad"])
    for comment in data["kommentarer"]:
        node = _element(root, "kommentar", comment, _COMMENT)
        for version in comment["versioner"]:
            _element(node, "version", version, _VERSION)
    for event in data["handelser"]:
        node = _element(root, "handelse", event, _EVENT)
        _sub(node, "ra", json.dumps(event["ra"], ensure_ascii=False, sort_keys=True))
    return _serialise(root)


def add_comment_log(writer, account, period, kommun_name, now):
    """Write the account's comment log for the period (XML and JSON) into the package
    under `folder`; returns their Entries for the METS (size and SHA-256). Nothing when
    no platform delivered anything for the account in the period."""
    from .package import DATA, XML_FORMAT

    if not _events(account, period).exists():
        return []
    data = comment_log(account, period, kommun_name, now)
    base = f"{DATA}/kommentarslogg-konto-{account.pk}"
    encoded = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False).encode()
    return [
        writer.add(f"{base}.xml", comment_log_xml(data), "application/xml", now, XML_FORMAT),
        writer.add(f"{base}.json", encoded, "application/json", now, JSON_FORMAT),
    ]


def schema_entry(writer, now):
    return writer.add(f"schemas/{XSD_NAME}", XSD_PATH.read_bytes(), "application/xml", now)
