"""The type of a file is told by its content (issue 11 item 3), never by its name."""

from __future__ import annotations

import pytest

from ikaze.documents import content
from ikaze.documents.services import clean_name
from ikaze.documents.tests.conftest import PDF, image_bytes


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [("PNG", content.PNG), ("JPEG", content.JPEG), ("TIFF", content.TIFF), ("WEBP", content.WEBP)],
)
def test_images_are_recognised_by_content(fmt: str, expected: content.FileType) -> None:
    assert content.detect(image_bytes(fmt)) == expected


def test_a_pdf_is_recognised() -> None:
    assert content.detect(PDF) == content.PDF


@pytest.mark.parametrize(
    "data",
    [
        b"hello, I am a text file named passport.pdf\n",
        b"%PDF-1.4\nonly the start of a PDF, no end-of-file marker",  # claims to be a PDF
        b"%PDF-x.y\n%%EOF",  # no version
        image_bytes("PNG")[:40],  # a PNG cut short: no IEND
        image_bytes("JPEG")[:-2],  # a JPEG without its end marker
        b"GIF89a\x01\x00\x01\x00",  # a real type, not on the allow-list
        b"RIFF\x10\x00\x00\x00WAVEfmt ",  # RIFF but not WebP
        b"<html><script>alert(1)</script></html>",
    ],
)
def test_anything_else_is_refused(data: bytes) -> None:
    assert content.detect(data) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\a\\birth certificate.pdf", "birth certificate.pdf"),
        ("bad\x00name\r\n.pdf", "bad name .pdf"),
        ('a<b>c:"d"|e?*.pdf', "a b c d e .pdf"),
        ("", "document.pdf"),
        ("...", "document.pdf"),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
def test_names_are_cleaned(name: str, expected: str) -> None:
    assert clean_name(name, file_type=content.PDF) == expected
