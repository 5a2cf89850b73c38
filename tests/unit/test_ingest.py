"""Ingest: type by content, hash, page counts and limits, on real generated files."""

from __future__ import annotations

import hashlib
import io

import pytest

from idp.errors import (
    CorruptFileError,
    EmptyFileError,
    LimitExceededError,
    UnsupportedTypeError,
)
from idp.ingest import describe_unsupported, open_document, sniff_media_type
from idp.settings import LimitSettings
from tests.data.bad_inputs import BAD_INPUTS
from tests.data.pages import (
    TEXT_LINES,
    image_bytes,
    multipage_tiff,
    pdf_with_pages,
    text_page,
    text_pdf,
)

LIMITS = LimitSettings()


@pytest.fixture(scope="module")
def small_page():
    return text_page(TEXT_LINES[:3], dpi=100).image


@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("TIFF", "image/tiff")],
)
def test_images_are_recognised_by_content_not_name(small_page, fmt, media_type):
    data = image_bytes(small_page, fmt, dpi=72)
    doc = open_document(data, "scan.pdf", LIMITS)  # the name lies; the bytes decide
    try:
        assert doc.media_type == media_type
        assert doc.page_count == 1
        assert doc.size == len(data)
        assert doc.sha256 == hashlib.sha256(data).hexdigest()
        assert not doc.is_pdf
        gray, dpi = doc.image_page(0)
        assert gray.shape == (small_page.height, small_page.width)
        assert str(gray.dtype) == "uint8"
        assert dpi is None  # 72 dpi is what editors write for "unknown"; Tesseract estimates
    finally:
        doc.close()


def test_pdf_page_count_size_and_hash():
    data = text_pdf([TEXT_LINES, TEXT_LINES[:2], TEXT_LINES[:1]])
    doc = open_document(data, "form.png", LIMITS)
    try:
        assert doc.media_type == "application/pdf"
        assert doc.page_count == 3
        assert doc.sha256 == hashlib.sha256(data).hexdigest()
        assert doc.is_pdf
        width, height = doc.pdf.page_size(0)
        assert (round(width), round(height)) == (595, 842)
    finally:
        doc.close()


def test_pdf_with_junk_before_header_is_still_a_pdf():
    data = b"\r\n\r\n" + text_pdf([TEXT_LINES[:2]])
    assert sniff_media_type(data) == "application/pdf"


def test_multipage_tiff_pages_and_dpi(small_page):
    data = multipage_tiff([small_page, small_page.rotate(90, expand=True), small_page], dpi=300)
    doc = open_document(data, "batch.tif", LIMITS)
    try:
        assert doc.page_count == 3
        second, dpi = doc.image_page(1)
        assert second.shape == (small_page.width, small_page.height)
        assert dpi == 300
    finally:
        doc.close()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"PK\x03\x04" + b"\x00" * 30 + b"word/document.xml", "a Word document (DOCX)"),
        (b"PK\x03\x04" + b"\x00" * 30 + b"xl/workbook.xml", "an Excel workbook (XLSX)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50, "an old Microsoft Office file"),
        (b"GIF89a" + b"\x00" * 20, "a GIF image"),
        (b"BM\x36\x00\x00\x00\x00\x00\x00\x00\x36\x00", "a BMP image"),
        (b"BMW service invoice", "plain text"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "a WebP image"),
        (b"\x00\x00\x00\x18ftypheic" + b"\x00" * 8, "a HEIC/AVIF image"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 9, "a Linux program"),
        (b"  <?xml version='1.0'?><svg xmlns='x'/>", "an SVG image"),
        ("Annwyl Syr, diolch am eich llythyr a’r ŵyr.".encode(), "plain text"),
    ],
)
def test_unsupported_types_are_named(data, expected):
    assert describe_unsupported(data).startswith(expected)
    with pytest.raises(UnsupportedTypeError, match="not supported; send a PDF"):
        sniff_media_type(data)


def test_zip_holding_a_pdf_is_not_taken_for_a_pdf():
    case = next(b for b in BAD_INPUTS if b.name == "bundle.zip")
    with pytest.raises(UnsupportedTypeError, match="ZIP archive"):
        sniff_media_type(case.build())


def test_limits_on_pages_pixels_and_points(small_page):
    two_pages = LimitSettings(max_pages=2)
    with pytest.raises(LimitExceededError, match="3 pages"):
        open_document(text_pdf([["a"], ["b"], ["c"]]), "a.pdf", two_pages)
    with pytest.raises(LimitExceededError, match="3 pages"):
        open_document(multipage_tiff([small_page] * 3), "a.tif", two_pages)
    # 827 × 1170 pixels at 100 dpi is about 970 000 pixels
    with pytest.raises(LimitExceededError, match="pixels"):
        open_document(image_bytes(small_page), "a.png", LimitSettings(max_pixels=900_000))
    with pytest.raises(LimitExceededError, match="pixels"):
        open_document(image_bytes(small_page), "a.png", LimitSettings(max_pixels=100_000))
    with pytest.raises(LimitExceededError, match="points"):
        open_document(pdf_with_pages([["wide"]]), "a.pdf", LimitSettings(max_page_points=800))


def test_byte_limit_is_checked_before_anything_else():
    with pytest.raises(LimitExceededError, match="11 bytes, more than the limit of 10"):
        open_document(b"%PDF-1.7 xx", "a.pdf", LimitSettings(max_bytes=10))


def test_empty_and_blank_files():
    with pytest.raises(EmptyFileError):
        open_document(b"", "a.pdf", LIMITS)
    with pytest.raises(EmptyFileError):
        open_document(b"\x00\x00\n", "a.pdf", LIMITS)


def test_corrupt_second_tiff_page_fails_only_that_page(small_page):
    from PIL import Image

    buf = io.BytesIO()
    small_page.save(
        buf, format="TIFF", save_all=True, append_images=[small_page], compression="tiff_deflate"
    )
    data = bytearray(buf.getvalue())
    with Image.open(io.BytesIO(bytes(data))) as tiff:
        tiff.seek(1)
        offset, length = tiff.tag_v2[273][0], tiff.tag_v2[279][0]
    # Overwrite the second page's compressed strip: its header and the first page stay intact.
    data[offset : offset + length] = bytes(range(256)) * (length // 256) + b"\x00" * (length % 256)
    doc = open_document(bytes(data), "two.tif", LIMITS)
    try:
        assert doc.page_count == 2
        assert doc.image_page(0)[0].shape == (small_page.height, small_page.width)
        with pytest.raises(CorruptFileError, match="page 2"):
            doc.image_page(1)
    finally:
        doc.close()


def test_transparent_16_bit_and_exif_rotated_images_decode_to_upright_grey(small_page):
    import numpy as np
    from PIL import Image

    # transparent background with black text: the paper shows white, as a viewer shows it
    rgba = Image.new("RGBA", small_page.size, (0, 0, 0, 0))
    rgba.putalpha(Image.eval(small_page, lambda v: 255 - v))
    gray, _ = open_document(image_bytes(rgba), "a.png", LIMITS).image_page(0)
    assert gray[0, 0] == 255 and gray.min() < 50

    # 16-bit grey keeps its contrast instead of clipping to white
    deep = Image.fromarray(np.asarray(small_page, dtype=np.uint16) * 257)
    gray, _ = open_document(image_bytes(deep), "a.png", LIMITS).image_page(0)
    assert gray.min() < 50 and gray.max() == 255

    # a phone photo stored sideways with EXIF orientation 6 comes out as shown
    exif = Image.Exif()
    exif[0x0112] = 6
    data = image_bytes(small_page, "JPEG", exif=exif.tobytes())
    gray, _ = open_document(data, "a.jpg", LIMITS).image_page(0)
    assert gray.shape == (small_page.width, small_page.height)


def test_text_layer_of_unmapped_glyph_codes_counts_as_unreadable():
    from idp.datamodel import Word
    from idp.reading import unreadable_share

    box = (0.0, 0.0, 1.0, 1.0)
    readable = [Word(text="Dyddiad", bbox=box), Word(text="03/03/1985", bbox=box)]
    unmapped = [Word(text="\ue001\ue002\ue003", bbox=box), Word(text="\ufffd\ufffd", bbox=box)]
    assert unreadable_share(readable) == 0.0
    assert unreadable_share(unmapped) == 1.0
    assert unreadable_share([]) == 0.0
