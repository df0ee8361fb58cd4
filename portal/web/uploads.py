"""Reading a form that carries one file (multipart/form-data), as it arrives.

Only the addresses in UPLOAD_PATHS take such a form (every other one refuses multipart, see
portal.web.csrf). The body is parsed while it is read: small fields (the CSRF token, an alt
text) are kept in memory, at most MAX_FIELDS of at most FIELD_BYTES each; the file goes to a
temporary file, and once it passes `limit` bytes, what follows is read and dropped, so that
the form can still answer beside the field (with the person's other fields kept) instead of
cutting the connection. A body of more than HARD_LIMIT bytes, which no form of ours sends, is
refused outright.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.types import Receive

if TYPE_CHECKING:  # a type only, not importable at run time
    from python_multipart.multipart import MultipartCallbacks

# The addresses whose POST is a form with a file in it.
UPLOAD_PATHS = ("/attach/",)
# The largest file such a form may carry.
FILE_LIMIT = 20 * 1024 * 1024
MAX_FIELDS = 20
FIELD_BYTES = 8 * 1024
HARD_LIMIT = 64 * 1024 * 1024


class UploadRefused(Exception):
    """A body that is not a form we can read, or far too large (`too_large`)."""

    def __init__(self, too_large: bool = False) -> None:
        super().__init__(too_large)
        self.too_large = too_large


@dataclass
class Upload:
    """The form that came: its small fields, and the file (if one came and was not too big):
    where it is on disk, the name the browser gave, and whether it passed the limit."""

    fields: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    filename: str = ""
    too_large: bool = False
    field_name: str = ""

    def discard(self) -> None:
        """Remove the temporary file."""
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None


def is_upload(path: str, content_type: str) -> bool:
    return path.startswith(UPLOAD_PATHS) and content_type.startswith("multipart/form-data")


async def read(content_type: str, receive: Receive, limit: int = FILE_LIMIT) -> Upload:
    """Parse the multipart body that `receive` gives; raise UploadRefused."""
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        raise UploadRefused()
    reader = _Reader(limit)
    parser = MultipartParser(boundary, reader.callbacks())
    total = 0
    try:
        while True:
            message = await receive()
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > HARD_LIMIT:
                raise UploadRefused(too_large=True)
            parser.write(chunk)
            if not message.get("more_body"):
                break
        parser.finalize()
    except (FormParserError, ValueError, UnicodeDecodeError) as exc:
        reader.upload.discard()
        raise UploadRefused() from exc
    except BaseException:
        reader.upload.discard()
        raise
    if reader.error:
        reader.upload.discard()
        raise UploadRefused()
    return reader.upload


class _Reader:
    """The parser's callbacks: where each part's headers and bytes go."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.upload = Upload()
        self.error = False
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name = ""
        self._value = bytearray()
        self._file: BinaryIO | None = None
        self._size = 0
        self._is_file = False

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self.part_begin,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
            "on_header_field": self.header_field,
            "on_header_value": self.header_value,
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
        }

    def part_begin(self) -> None:
        self._headers, self._value, self._size = {}, bytearray(), 0

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field = self._header_value = b""

    def headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        self._is_file = b"filename" in options
        if not self._is_file:
            return
        if self.upload.field_name:  # one file per form
            self.error = True
            self._is_file = False
            return
        self.upload.field_name = self._name
        self.upload.filename = options[b"filename"].decode("utf-8", "replace")
        if self.upload.filename:
            fd, name = tempfile.mkstemp(prefix="portal-upload-")
            os.close(fd)
            self.upload.path = Path(name)
            self._file = open(name, "wb")  # noqa: SIM115 - closed at the part's end

    def part_data(self, data: bytes, start: int, end: int) -> None:
        self._size += end - start
        if self._is_file:
            if self._file is None:
                return
            if self._size > self.limit:
                # Past the limit: what was written goes, the rest is read and dropped.
                self.upload.too_large = True
                self._file.close()
                self._file = None
                self.upload.discard()
                return
            self._file.write(data[start:end])
            return
        if self._size > FIELD_BYTES:
            self.error = True
            return
        self._value += data[start:end]

    def part_end(self) -> None:
        if self._is_file:
            if self._file is not None:
                self._file.close()
                self._file = None
            return
        if len(self.upload.fields) >= MAX_FIELDS:
            self.error = True
        if not self.error:
            self.upload.fields[self._name] = self._value.decode("utf-8", "replace")
