"""Files made in the tests: real pictures (Pillow), a PDF, and the bad ones people send."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

from PIL import Image

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def picture(fmt: str = "PNG", size: tuple[int, int] = (60, 40), **save: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 40)).save(out, fmt, **save)
    return out.getvalue()


def jpeg_with_location() -> bytes:
    """A JPEG whose EXIF says where it was taken (GPS) and with what camera."""
    exif = Image.Exif()
    exif[0x010F] = "Camera Maker"  # Make
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}  # GPS
    return picture("JPEG", exif=exif.tobytes())


def bomb(side: int = 100_000) -> bytes:
    """A PNG of a few hundred bytes that says it is `side` x `side` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 100_000)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def media_files(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("*") if p.is_file()) if root.exists() else []
