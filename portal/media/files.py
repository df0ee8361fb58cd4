"""What an uploaded file is, and what is kept of it: pictures decoded and encoded again with
Pillow (no EXIF, no location, at most MAX_SIDE pixels on a side, with a thumbnail), PDFs kept
as they came. Anything else is refused, whatever its name says.

The kind is read from the file's first bytes, never from its name or the browser's word.
Decoding is bounded: Pillow refuses a picture of more than `Image.MAX_IMAGE_PIXELS` pixels
before decoding it (DecompressionBombError, or a warning between once and twice the limit,
which is refused here too), so a small file that would unpack into gigabytes is stopped by
its header.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from portal.core.i18n import _

MAX_BYTES = 20 * 1024 * 1024
MAX_SIDE = 4000
THUMB_SIDE = 480
# A 48-megapixel photo decodes; a picture that would take more memory than that is refused.
Image.MAX_IMAGE_PIXELS = 50_000_000

# The first bytes of each kind we keep, and the Pillow format that must decode it.
PDF_MAGIC = b"%PDF-"
IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}
CONTENT_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "webp": "image/webp",
    "pdf": "application/pdf",
}


class Refused(Exception):
    """The file cannot be kept; the message says why, for the person who chose it."""


@dataclass(frozen=True)
class Kept:
    """What is stored of an upload: the file's bytes and extension, and a picture's thumbnail
    and size."""

    kind: str  # image | pdf
    data: bytes
    ext: str
    thumb: bytes = b""
    width: int = 0
    height: int = 0


def sniff(head: bytes) -> str | None:
    """The Pillow format (or "PDF") that the first bytes of a file announce, or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head.startswith(PDF_MAGIC):
        return "PDF"
    return None


def wrong_kind() -> Refused:
    return Refused(
        _(
            "Choose a PNG, JPEG or WebP picture, or a PDF. Other kinds of file, SVG among "
            "them, cannot be attached."
        )
    )


def read(path: Path) -> Kept:
    """What to keep of the uploaded file at `path`; raises Refused."""
    size = path.stat().st_size
    if size == 0:
        raise Refused(_("The file is empty. Choose a picture or a PDF."))
    if size > MAX_BYTES:
        raise Refused(_("The file is larger than 20 MB. Choose a smaller one."))
    with path.open("rb") as f:
        head = f.read(16)
    kind = sniff(head)
    if kind is None:
        raise wrong_kind()
    if kind == "PDF":
        return Kept(kind="pdf", data=path.read_bytes(), ext="pdf")
    return _picture(path, kind)


def _picture(path: Path, fmt: str) -> Kept:
    try:
        with Image.open(path, formats=[fmt]) as opened:
            # Between once and twice the limit Pillow only warns: refused all the same, from
            # the header, before a pixel is decoded.
            if opened.width * opened.height > (Image.MAX_IMAGE_PIXELS or 0):
                raise Image.DecompressionBombError(f"{opened.size} pixels")
            if fmt == "JPEG":
                # Decode a large JPEG at a fraction of its size, to spare memory.
                opened.draft("RGB", (MAX_SIDE, MAX_SIDE))
            opened.load()
            picture = ImageOps.exif_transpose(opened)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Refused(_("The picture has too many pixels. Choose a smaller one.")) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise Refused(
            _("The picture cannot be read: it may be damaged or cut short. Choose another.")
        ) from exc
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    ext = IMAGE_FORMATS[fmt]
    data = _encode(picture, fmt)
    thumb = picture.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    return Kept(
        kind="image",
        data=data,
        ext=ext,
        thumb=_encode(thumb, "WEBP"),
        width=picture.width,
        height=picture.height,
    )


def _encode(picture: Image.Image, fmt: str) -> bytes:
    """The picture's pixels alone: no EXIF, GPS, comments or text chunks are carried over."""
    if fmt == "JPEG" and picture.mode not in ("RGB", "L"):
        picture = picture.convert("RGB")
    elif fmt == "WEBP" and picture.mode not in ("RGB", "RGBA"):
        picture = picture.convert("RGBA" if "A" in picture.getbands() else "RGB")
    elif fmt == "PNG" and picture.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
        picture = picture.convert("RGBA")
    picture.info = {}
    out = io.BytesIO()
    options: dict = {"JPEG": {"quality": 85}, "WEBP": {"quality": 85}, "PNG": {}}[fmt]
    picture.save(out, fmt, **options)
    return out.getvalue()
