"""Uploaded screenshots: checked for size and pixel count before decoding, checked to
be whole, then re-encoded as PNG, so that what is stored is a clean image and nothing
else. Every image the app accepts goes through clean_screenshot.

Whole: Pillow's own check of truncation hangs on a process-wide switch,
PIL.ImageFile.LOAD_TRUNCATED_IMAGES, which WeasyPrint turns on when it is imported (and
which no thread can turn off for itself alone). So the file's structure is checked here
without Pillow: a PNG's chunks with their CRCs up to IEND, and as many bytes of pixel
rows in its IDAT stream as the header promises; a JPEG's segments up to its EOI marker.
"""

import io
import struct
import zlib

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000  # e.g. 1,300 × 30,000: a long full-page screenshot
ALLOWED_FORMATS = {"PNG", "JPEG"}


def _png_is_whole(data):
    """Every chunk complete with its CRC, up to IEND; the image data a complete zlib
    stream holding every row (with the filter byte) that IHDR's size calls for."""
    pos, header, rows, stream = 8, None, 0, zlib.decompressobj()
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        end = pos + 12 + length
        if end > len(data):
            return False
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : end - 4]
        if zlib.crc32(data[pos + 4 : end - 4]) != struct.unpack(">I", data[end - 4 : end])[0]:
            return False
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body[:13])
        elif kind == b"IDAT" and not stream.eof:
            while body:  # counted a megabyte at a time, not held
                rows += len(stream.decompress(body, 1 << 20))
                body = stream.unconsumed_tail
        elif kind == b"IEND":
            return header is not None and stream.eof and rows == _png_data_size(*header[:5])
        pos = end
    return False


# Adam7 interlacing: seven passes (first column, first row, steps), each an image of its own.
ADAM7 = [
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
]


def _png_data_size(width, height, depth, color_type, interlace):
    bits = depth * {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color_type]
    size, passes = 0, ADAM7 if interlace else [(0, 0, 1, 1)]
    for x, y, dx, dy in passes:
        w, h = -(-(width - x) // dx), -(-(height - y) // dy)
        if w > 0 and h > 0:
            size += h * (1 + (w * bits + 7) // 8)
    return size


def _jpeg_is_whole(data):
    """Every segment complete and, after the last scan's entropy-coded data, the EOI
    marker (what follows it is ignored, as every decoder does)."""
    pos, end = 2, len(data)
    while pos < end:
        if data[pos] != 0xFF:
            return False
        while pos < end and data[pos] == 0xFF:  # fill bytes before a marker
            pos += 1
        if pos >= end:
            return False
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # EOI
            return True
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a segment
            continue
        if pos + 2 > end:
            return False
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if length < 2 or pos + length > end:
            return False
        pos += length
        if marker == 0xDA:  # SOS: entropy-coded data up to the next marker
            while True:
                pos = data.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= end:
                    return False
                following = data[pos + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:  # stuffed byte, restart
                    pos += 2
                elif following == 0xFF:
                    pos += 1
                else:
                    break
    return False


def is_whole(data, fmt):
    """True if the PNG or JPEG file `data` holds its whole image, whatever Pillow's
    LOAD_TRUNCATED_IMAGES says."""
    try:
        return (_png_is_whole if fmt == "PNG" else _jpeg_is_whole)(data)
    except (struct.error, zlib.error, KeyError):
        return False


def clean_screenshot(upload):
    """A ContentFile with the re-encoded PNG, or ValidationError with a reason."""
    if upload.size > MAX_BYTES:
        raise ValidationError(
            _("Bilden är för stor (högst %(mb)s MB).") % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as probe:  # reads the header only
            if probe.format not in ALLOWED_FORMATS:
                raise ValidationError(_("Ladda upp en PNG- eller JPEG-bild."))
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    _("Bilden har för många bildpunkter (%(w)s × %(h)s).")
                    % {"w": width, "h": height}
                )
            if not is_whole(data, probe.format):
                raise ValidationError(
                    _(
                        "Bilden är inte hel: filen är avkortad eller skadad. "
                        "Ladda upp hela bilden igen."
                    )
                )
            probe.load()
            image = probe.convert("RGBA" if probe.mode in ("RGBA", "LA", "P") else "RGB")
    except Image.DecompressionBombError as exc:
        # Pillow itself refuses to open an image of more than twice its MAX_IMAGE_PIXELS.
        raise ValidationError(_("Bilden har för många bildpunkter.")) from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValidationError(_("Filen är ingen läsbar PNG- eller JPEG-bild.")) from exc
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return ContentFile(out.getvalue(), name="screenshot.png")
