"""What a file is, told by its content, never by its name (issue 11 item 3).

An allow-list: PDF, PNG, JPEG, TIFF and WebP. Each is recognised by its signature at the start
and by the structure that a real file of that type has (a PDF's end-of-file marker, a PNG's
IHDR and IEND chunks, a JPEG's start and end markers, a TIFF's first directory inside the
file, a WebP's RIFF length), so a text file renamed `.pdf`, or a file that only begins like a
PDF, is refused. The content type served on download is the one found here.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class FileType:
    name: str  # "pdf", "png", ...
    content_type: str
    extension: str


PDF = FileType("pdf", "application/pdf", ".pdf")
PNG = FileType("png", "image/png", ".png")
JPEG = FileType("jpeg", "image/jpeg", ".jpg")
TIFF = FileType("tiff", "image/tiff", ".tif")
WEBP = FileType("webp", "image/webp", ".webp")
ACCEPTED: tuple[FileType, ...] = (PDF, PNG, JPEG, TIFF, WEBP)
CONTENT_TYPES: dict[str, FileType] = {t.content_type: t for t in ACCEPTED}

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def _is_pdf(data: bytes) -> bool:
    # ISO 32000: "%PDF-1.x" (or "%PDF-2.0") within the first 1,024 bytes (a few writers put
    # bytes before it), and "%%EOF" in the last 1,024 bytes.
    head = data[:1024]
    at = head.find(b"%PDF-")
    if at < 0 or not data[at + 5 : at + 8].replace(b".", b"").isdigit():
        return False
    return b"%%EOF" in data[-1024:]


def _is_png(data: bytes) -> bool:
    return (
        data.startswith(_PNG_SIGNATURE)
        and data[12:16] == b"IHDR"
        and data.rstrip(b"\x00")[-12:] == _PNG_END
    )


def _is_jpeg(data: bytes) -> bool:
    return (
        len(data) > 4 and data[:3] == b"\xff\xd8\xff" and data.rstrip(b"\x00")[-2:] == b"\xff\xd9"
    )


def _is_tiff(data: bytes) -> bool:
    if len(data) < 8:
        return False
    if data[:4] == b"II*\x00":
        (offset,) = struct.unpack("<I", data[4:8])
    elif data[:4] == b"MM\x00*":
        (offset,) = struct.unpack(">I", data[4:8])
    else:
        return False
    return 8 <= offset < len(data) - 2


def _is_webp(data: bytes) -> bool:
    if len(data) < 16 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return False
    (size,) = struct.unpack("<I", data[4:8])
    return size + 8 == len(data) and data[12:15] == b"VP8"


_CHECKS = ((PDF, _is_pdf), (PNG, _is_png), (JPEG, _is_jpeg), (TIFF, _is_tiff), (WEBP, _is_webp))


def detect(data: bytes) -> FileType | None:
    """The accepted type the content is, or None (refused)."""
    for kind, check in _CHECKS:
        if check(data):
            return kind
    return None
