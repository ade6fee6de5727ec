"""Making an uploaded photo or document safe to keep.

Photos are rebuilt from their pixels: nothing of the sender's file survives but the picture (no
EXIF or GPS, no comment, no appended HTML, no ICC profile). The size in pixels is checked from the
header before anything is decoded, so a small file announcing a huge picture is refused cheaply.
PDF documents are kept as they are and only ever served as a download through an authorised view.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext
from PIL import Image, ImageOps, UnidentifiedImageError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
# Formats a camera or phone produces; anything else is refused rather than guessed at.
ACCEPTED_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP"}
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF")


class UploadRefused(ValueError):
    """The file cannot be accepted; the message says why, in words a family understands."""


@dataclass(frozen=True)
class CleanFile:
    kind: str  # "photo" or "document"
    content: bytes
    content_type: str
    extension: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def max_upload_bytes() -> int:
    return int(getattr(settings, "REPORT_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def read_limited(uploaded, limit: int) -> bytes:
    """The whole file, refusing it as soon as it is known to be over `limit` bytes."""
    declared = getattr(uploaded, "size", None)
    if declared is not None and declared > limit:
        raise UploadRefused(_too_large(limit))
    buffer = io.BytesIO()
    if hasattr(uploaded, "seek"):
        uploaded.seek(0)
    chunks = uploaded.chunks() if hasattr(uploaded, "chunks") else iter([uploaded.read()])
    for chunk in chunks:
        buffer.write(chunk)
        if buffer.tell() > limit:
            raise UploadRefused(_too_large(limit))
    return buffer.getvalue()


def _too_large(limit: int) -> str:
    return gettext("The file is larger than the limit of %(size)s MB (%(bytes)s bytes).") % {
        "size": f"{limit / (1024 * 1024):g}",
        "bytes": number_format(limit, force_grouping=True),
    }


def clean_upload(uploaded) -> CleanFile:
    """A safe copy of the uploaded photo or PDF document, or UploadRefused."""
    data = read_limited(uploaded, max_upload_bytes())
    if not data:
        raise UploadRefused(gettext("The file is empty."))
    if data.startswith(b"%PDF-"):
        _refuse_active_pdf(data)
        return CleanFile("document", data, "application/pdf", "pdf")
    head = data[:1024].lstrip().lower()
    if head.startswith(b"<"):
        if b"<svg" in head:
            raise UploadRefused(
                gettext("SVG images are not accepted (they can carry scripts): send a photo.")
            )
        raise UploadRefused(
            gettext("This is a web page or text file, not a photo or PDF document.")
        )
    return _clean_image(data)


# A PDF is kept as sent, so one that can act (scripts, launch actions, files inside it) or that
# is also a web page (a polyglot) is refused: a scanned letter has none of these.
_ACTIVE_PDF_MARKERS = (b"/javascript", b"/js ", b"/js(", b"/js<", b"/launch", b"/embeddedfile")
_MARKUP_MARKERS = (b"<html", b"<script", b"<svg", b"<iframe", b"<body")


def _refuse_active_pdf(data: bytes) -> None:
    lowered = data.lower()
    if any(marker in lowered for marker in _MARKUP_MARKERS):
        raise UploadRefused(
            gettext(
                "This PDF is also a web page, which is not accepted: print it to a new PDF or "
                "send photos of its pages."
            )
        )
    if any(marker in lowered for marker in _ACTIVE_PDF_MARKERS):
        raise UploadRefused(
            gettext(
                "This PDF contains scripts or files inside it, which are not accepted: print it "
                "to a new PDF or send photos of its pages."
            )
        )


def _clean_image(data: bytes) -> CleanFile:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UploadRefused(_too_many_pixels()) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        if data.startswith(_IMAGE_MAGIC):
            raise UploadRefused(
                gettext("The photo is damaged or incomplete: send it again.")
            ) from exc
        raise UploadRefused(_only_accepted()) from exc
    with image:
        if getattr(image, "n_frames", 1) > 1:
            raise UploadRefused(gettext("Animated images are not accepted: send a still photo."))
        if image.format not in ACCEPTED_IMAGE_FORMATS:
            raise UploadRefused(_only_accepted())
        width, height = image.size  # from the header: nothing decoded yet
        if width <= 0 or height <= 0:
            raise UploadRefused(gettext("The photo has no pixels."))
        if width * height > MAX_PIXELS:
            raise UploadRefused(_too_many_pixels())
        try:
            image.load()
            upright = ImageOps.exif_transpose(image) or image
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
            raise UploadRefused(
                gettext("The photo is damaged or incomplete: send it again.")
            ) from exc
        source_format = image.format
        has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
            upright.mode == "P" and "transparency" in upright.info
        )
        mode = "RGBA" if has_alpha else "RGB"
        converted = upright.convert(mode)
        # Rebuilt from raw pixels: a new image carries no `info` (EXIF, comments, ICC, text).
        pixels = Image.frombytes(mode, converted.size, converted.tobytes())
    out = io.BytesIO()
    if source_format == "JPEG" and mode == "RGB":
        pixels.save(out, format="JPEG", quality=90, optimize=True)
        return CleanFile("photo", out.getvalue(), "image/jpeg", "jpg")
    pixels.save(out, format="PNG", optimize=True)
    return CleanFile("photo", out.getvalue(), "image/png", "png")


def _too_many_pixels() -> str:
    return gettext("The picture is too large (more than %(count)s megapixels).") % {
        "count": MAX_PIXELS // 1_000_000
    }


def _only_accepted() -> str:
    return gettext("Only photos (JPEG, PNG or WebP) and PDF documents are accepted.")
