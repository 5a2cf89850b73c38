"""A corpus of bad inputs, each built here from scratch, with the error it must give.

Every case is a real file of its kind (hand-assembled PNG chunks, reportlab PDFs with
encryption, a decompression-bomb PNG that is 50 KB on disk and 400 megapixels decoded…),
not a mock. ``BAD_INPUTS`` maps a case name to its builder; tests write the bytes to disk
for the CLI and pass them straight to ``open_document``.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from idp.errors import (
    CorruptFileError,
    EmptyFileError,
    EncryptedFileError,
    InputError,
    LimitExceededError,
    UnsupportedTypeError,
)
from tests.data.pages import TEXT_LINES, image_bytes, text_page, text_pdf

SMALL_LIMIT_BYTES = 3_000_000
"""Byte limit the oversize case is tested under (so the corpus stays small on disk)."""


@dataclass(frozen=True)
class BadInput:
    """One bad file: its name on disk, builder, the error class and words of the message."""

    name: str
    build: Callable[[], bytes]
    error: type[InputError]
    says: str
    """A fragment the one-line message must contain (case-insensitive)."""
    stage: str = "ingest"
    """``ingest`` (``open_document`` refuses it) or ``read`` (no page can be read)."""


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return (
        struct.pack(">I", len(body)) + kind + body
        + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    )


def _png(width: int, height: int, raw_rows: bytes, bit_depth: int = 1) -> bytes:
    """A grayscale PNG assembled from chunks, so sizes Pillow would refuse can be made."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(raw_rows, 9))
        + _png_chunk(b"IEND", b"")
    )


def decompression_bomb_png() -> bytes:
    """20000 × 20000 one-bit PNG (400 megapixels) that is about 50 KB on disk."""
    width = height = 20_000
    row = b"\x00" + b"\xff" * (width // 8)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", body)
        + _png_chunk(b"IEND", b"")
    )


def zero_size_png() -> bytes:
    """A PNG whose header says 0 × 0 pixels."""
    return _png(0, 0, b"")


def _small_png() -> bytes:
    return image_bytes(text_page(TEXT_LINES[:4], dpi=150).image, "PNG", dpi=150)


def _small_jpeg() -> bytes:
    return image_bytes(text_page(TEXT_LINES[:4], dpi=150).image, "JPEG", dpi=150, quality=80)


def truncated_png() -> bytes:
    """A real PNG cut in half (the IDAT stream ends early)."""
    data = _small_png()
    return data[: len(data) // 2]


def truncated_jpeg() -> bytes:
    """A real JPEG cut in half."""
    data = _small_jpeg()
    return data[: len(data) // 2]


def broken_jpeg() -> bytes:
    """JPEG magic followed by bytes that are not a JPEG stream."""
    return b"\xff\xd8\xff\xe0" + os.urandom(2000)


def truncated_pdf() -> bytes:
    """A text PDF cut to its first third: no cross-reference table, no pages reachable."""
    data = text_pdf([TEXT_LINES])
    return data[: len(data) // 3]


def encrypted_pdf() -> bytes:
    """A PDF that needs a user password to open (128-bit RC4, reportlab)."""
    return text_pdf([TEXT_LINES], encrypt="s3cret")


def encrypted_pdf_40bit() -> bytes:
    """A PDF with a user and owner password, 40-bit encryption."""
    from reportlab.lib.pdfencrypt import StandardEncryption

    enc = StandardEncryption("user-pw", ownerPassword="owner-pw", strength=40)
    return text_pdf([TEXT_LINES], encrypt=enc)  # type: ignore[arg-type]


def pdf_without_pages() -> bytes:
    """A well-formed PDF whose page tree is empty."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [] /Count 0 >>",
    ]
    return _assemble_pdf(objects)


def _assemble_pdf(objects: list[bytes]) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, xref)
    )
    return out.getvalue()


def huge_page_pdf() -> bytes:
    """A one-page PDF whose page is 20 000 points (about 7 m) on a side."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(20_000, 20_000))
    c.drawString(100, 100, "tiny text on a huge page")
    c.showPage()
    c.save()
    return buf.getvalue()


def huge_area_pdf() -> bytes:
    """A few hundred bytes: one 14,400 × 14,400 pt page (every side within the limit, the
    area 13 times the limit). Rendered for layout it would take gigabytes."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(14_400, 14_400), pageCompression=1)
    c.drawString(100, 100, "x")
    c.showPage()
    c.save()
    return buf.getvalue()


def too_many_pages_pdf() -> bytes:
    """A PDF with 201 pages (the default limit is 200)."""
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for n in range(201):
        c.drawString(72, 720, f"page {n + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


def pdf_image_bomb() -> bytes:
    """A 100 KB one-page PDF whose page shows a 20000 × 20000 one-bit image (400 Mpx)."""
    width = height = 20_000
    row = b"\x00" * (width // 8)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    content = b"q 595 0 0 842 0 0 cm /Im1 Do Q"
    return _assemble_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>",
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /BitsPerComponent 1 "
            b"/ColorSpace /DeviceGray /Filter /FlateDecode /Length %d >>\nstream\n"
            % (width, height, len(body))
            + body
            + b"\nendstream",
        ]
    )


def garbage_after_pdf_header() -> bytes:
    """A PDF header followed by random bytes."""
    return b"%PDF-1.7\n" + os.urandom(4000)


def corrupt_tiff() -> bytes:
    """A TIFF header whose first directory points past the end of the file."""
    return b"II*\x00" + struct.pack("<I", 10_000_000) + os.urandom(64)


def docx() -> bytes:
    """A minimal Word document (a ZIP with word/document.xml)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def plain_zip() -> bytes:
    """A ZIP archive holding a PDF (archives are not unpacked)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("form.pdf", text_pdf([TEXT_LINES[:2]]))
    return buf.getvalue()


def gif_image() -> bytes:
    """A real GIF image (not a supported format)."""
    return image_bytes(text_page(TEXT_LINES[:2], dpi=72).image, "GIF")


def oversized() -> bytes:
    """A PNG padded past ``SMALL_LIMIT_BYTES`` (checked under that limit)."""
    return _small_png() + b"\x00" * (SMALL_LIMIT_BYTES + 1)


BAD_INPUTS: list[BadInput] = [
    BadInput("empty.pdf", lambda: b"", EmptyFileError, "empty"),
    BadInput("blank.png", lambda: b"\n \n\t \r\n" * 10, EmptyFileError, "blank"),
    BadInput("truncated.pdf", truncated_pdf, CorruptFileError, "PDF"),
    BadInput("truncated.png", truncated_png, CorruptFileError, "truncated"),
    BadInput("truncated.jpg", truncated_jpeg, CorruptFileError, "truncated"),
    BadInput("broken.jpg", broken_jpeg, CorruptFileError, "JPEG"),
    BadInput("encrypted.pdf", encrypted_pdf, EncryptedFileError, "password"),
    BadInput("encrypted40.pdf", encrypted_pdf_40bit, EncryptedFileError, "password"),
    BadInput("nopages.pdf", pdf_without_pages, CorruptFileError, "no pages"),
    BadInput("garbage.pdf", garbage_after_pdf_header, CorruptFileError, "PDF"),
    BadInput("huge-page.pdf", huge_page_pdf, LimitExceededError, "points"),
    BadInput("huge-area.pdf", huge_area_pdf, LimitExceededError, "square points"),
    BadInput("201-pages.pdf", too_many_pages_pdf, LimitExceededError, "201 pages"),
    BadInput("bomb.png", decompression_bomb_png, LimitExceededError, "pixels"),
    BadInput("zero.png", zero_size_png, CorruptFileError, "PNG"),
    BadInput("corrupt.tif", corrupt_tiff, CorruptFileError, "TIFF"),
    BadInput("letter.docx", docx, UnsupportedTypeError, "Word document"),
    BadInput("bundle.zip", plain_zip, UnsupportedTypeError, "ZIP archive"),
    BadInput(
        "page.html",
        lambda: b"<!DOCTYPE html><html><body>form</body></html>",
        UnsupportedTypeError,
        "HTML",
    ),
    BadInput("setup.exe", lambda: b"MZ\x90\x00" + os.urandom(1000), UnsupportedTypeError,
             "Windows program"),
    BadInput("notes.txt", lambda: "Enw: Dafydd Jones\nDyddiad geni: 1/2/1980 — Tŷ Gŵyr\n".encode(),
             UnsupportedTypeError, "plain text"),
    BadInput("text-named.pdf", lambda: b"This is not a PDF, just text.\n" * 5,
             UnsupportedTypeError, "plain text"),
    BadInput("random.bin", lambda: b"\x00\x01" + os.urandom(5000), UnsupportedTypeError,
             "unrecognised"),
    BadInput("picture.gif", gif_image, UnsupportedTypeError, "GIF"),
    BadInput("oversized.png", oversized, LimitExceededError, "bytes"),
    BadInput("image-bomb.pdf", pdf_image_bomb, LimitExceededError, "pixel", stage="read"),
]
"""Bad files and the error each must give; ``oversized.png`` under ``SMALL_LIMIT_BYTES``."""
