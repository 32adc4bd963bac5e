"""Truncated screenshots are refused, whatever Pillow's process-wide LOAD_TRUNCATED_IMAGES
says: importing WeasyPrint turns it on, and a JPEG cut to 60 % or half a PNG was then
decoded with its missing part grey, sealed as a snapshot or kept as evidence.

Every upload of an image goes through config.uploads.clean_screenshot: the snapshot's
upload on the Arkiv page and the preserved copy of a moderated post."""

import io
import struct
import zlib

import pytest
import weasyprint  # noqa: F401 - imported first, as in the app: it sets the flag
from django.core.exceptions import ValidationError
from PIL import Image, ImageFile

from archive.models import Snapshot, State
from config import uploads
from moderation.models import Action, PreservedCopy

from .test_archive_views import files_in, waiting  # noqa: F401 - a fixture used by name
from .test_moderation_views import item, upload  # noqa: F401 - a fixture used by name

MESSAGE = "Bilden är inte hel"


def photo(fmt, size=(320, 240), **options):
    """An image with detail in every row, as a screenshot has (so a cut loses pixels)."""
    image = Image.effect_noise(size, 60).convert("RGB")
    image.paste((20, 90, 160), (0, 0, size[0], 30))
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def cut(data, share):
    return data[: int(len(data) * share)]


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_missing_rows(width=64, height=64):
    """A PNG whole in form (IDAT and IEND, every CRC right) that holds half its rows."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = (b"\0" + b"\x80" * width * 3) * (height // 2)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


JPEG = photo("JPEG", quality=90)
PROGRESSIVE = photo("JPEG", quality=90, progressive=True)
PNG = photo("PNG")
INTERLACED = photo("PNG", interlace=1)  # Pillow reads Adam7; the checker counts its passes

TRUNCATED = {
    "jpeg-60-percent": cut(JPEG, 0.6),
    "progressive-jpeg-60-percent": cut(PROGRESSIVE, 0.6),
    "jpeg-without-its-last-byte": JPEG[:-1],
    "png-50-percent": cut(PNG, 0.5),
    "png-without-iend": PNG[:-12],
    "png-with-a-bad-crc": PNG[:-16] + bytes([PNG[-16] ^ 1]) + PNG[-15:],
    "png-missing-rows": png_missing_rows(),
}


def test_weasyprint_has_switched_the_flag_on():
    """The premise: in this process (as in the app's) Pillow loads truncated images."""
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True


@pytest.mark.parametrize("data", TRUNCATED.values(), ids=TRUNCATED.keys())
def test_a_truncated_image_is_refused_by_the_checker(data):
    with pytest.raises(ValidationError) as exc:
        uploads.clean_screenshot(upload(data))
    assert exc.value.messages == [
        "Bilden är inte hel: filen är avkortad eller skadad. Ladda upp hela bilden igen."
    ]
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # left as it was


@pytest.mark.parametrize("data", [JPEG, PROGRESSIVE, PNG, INTERLACED, JPEG + b"\0" * 20])
def test_a_whole_image_still_passes(data):
    out = uploads.clean_screenshot(upload(data)).read()
    with Image.open(io.BytesIO(out)) as image:
        assert image.size == (320, 240)


@pytest.mark.parametrize(
    ("data", "name"),
    [(cut(JPEG, 0.6), "skarm.jpg"), (cut(PNG, 0.5), "skarm.png")],
    ids=["jpeg-60-percent", "png-50-percent"],
)
def test_a_truncated_snapshot_upload_is_refused_and_nothing_sealed(
    client,
    org,
    waiting,  # noqa: F811
    media,
    data,
    name,  # noqa: F811
):
    before = files_in(media)
    client.force_login(org.people.medarbetare)
    response = client.post(f"/arkiv/bild/{waiting.pk}/", {"image": upload(data, name)})
    assert response.status_code == 400
    html = response.content.decode()
    assert MESSAGE in html and 'id="error_1_id_image"' in html
    assert files_in(media) == before
    snapshot = Snapshot.objects.get(pk=waiting.pk)
    assert snapshot.state == State.NEEDS_UPLOAD
    assert not snapshot.image and not snapshot.pdf and not snapshot.sha256


@pytest.mark.parametrize(
    ("data", "name"),
    [(cut(JPEG, 0.6), "skarm.jpg"), (cut(PNG, 0.5), "skarm.png")],
    ids=["jpeg-60-percent", "png-50-percent"],
)
def test_a_truncated_moderation_copy_is_refused_and_nothing_kept(
    client,
    org,
    item,  # noqa: F811
    media,
    data,
    name,  # noqa: F811
):
    client.force_login(org.people.medarbetare)
    response = client.post(
        f"/moderering/{item.pk}/bevara/",
        {"bevara-text": "Inläggets text", "bevara-image": upload(data, name)},
    )
    assert response.status_code == 400
    assert MESSAGE in response.content.decode()
    assert not PreservedCopy.objects.exists() and files_in(media) == []
    assert list(item.events.values_list("action", flat=True)) == [Action.CREATED]
