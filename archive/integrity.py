"""A sealed PDF leaves Kanalkoll only as the bytes whose SHA-256 was stored at sealing.

Every hand-out of a sealed file (the single download, the archive package) copies it
through `copy_sealed`, which hashes while it copies and, on a mismatch or a missing
file, logs an error and raises SealBroken: the caller throws its copy away and refuses.
The snapshot page and the period's page show the same check (`check`) to the archivist.
"""

import hashlib
import logging
import tempfile
from dataclasses import dataclass

from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024
# A download is copied into memory up to this size, to a temporary file beyond it.
SPOOL_BYTES = 16 * 1024 * 1024


class SealBroken(Exception):
    """The stored PDF is not the one that was sealed (or is gone)."""

    def __init__(self, snapshot, actual):
        self.snapshot = snapshot
        self.actual = actual  # the file's SHA-256, or None if it is missing
        super().__init__(
            _("Filen stämmer inte med sin kontrollsumma.")
            if actual
            else _("Filen saknas i lagringen.")
        )


def copy_sealed(snapshot, target):
    """Write the sealed PDF to `target` (anything with write()) and return its size;
    SealBroken, logged, if what was written is not what was sealed."""
    digest, size = hashlib.sha256(), 0
    try:
        source = snapshot.pdf.open("rb")
    except FileNotFoundError:
        source = None
    if source is not None:
        with source:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                target.write(chunk)
    actual = digest.hexdigest() if source is not None else None
    if actual != snapshot.sha256:
        log.error(
            "Sealed PDF of snapshot %s does not match its checksum: expected SHA-256 %s, "
            "found %s (%s)",
            snapshot.pk,
            snapshot.sha256,
            actual or "no file",
            snapshot.pdf.name,
        )
        raise SealBroken(snapshot, actual)
    return size


def verified_copy(snapshot):
    """A file object, at its start, with the sealed PDF's verified bytes (SealBroken if
    they are not): what is handed out is what was checked, not a second read."""
    copy = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    try:
        copy_sealed(snapshot, copy)
    except BaseException:
        copy.close()
        raise
    copy.seek(0)
    return copy


class _Discard:
    def write(self, data):
        pass


@dataclass
class Check:
    ok: bool
    message: str = ""


def check(snapshot):
    """The sealed PDF checked against its SHA-256, for a page to show (logged if not)."""
    if not snapshot.sha256:
        return None  # not sealed
    try:
        copy_sealed(snapshot, _Discard())
    except SealBroken as exc:
        return Check(False, str(exc))
    return Check(True)
