"""Uploaded screenshots: checked for size and pixel count before decoding, then
re-encoded as PNG, so that what is stored is a clean image and nothing else."""

import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000  # e.g. 1,300 × 30,000: a long full-page screenshot
ALLOWED_FORMATS = {"PNG", "JPEG"}


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
