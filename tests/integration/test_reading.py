"""The reading stage on real files with real Tesseract: text-layer PDFs, scans turned and
tilted, image-only and mixed PDFs, multi-page TIFF, and a page that fails."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import numpy as np
import pytest

from idp.datamodel import PageSource, ProcessingOptions, ProcessingResult, Source
from idp.engines.pdf_text import PdfplumberTextLayer
from idp.errors import EngineError
from idp.ingest import open_document
from idp.reading import TEXT_PAGE_IMAGE_DPI, read_pages
from idp.settings import OcrSettings, Settings
from tests.data.pages import (
    TEXT_LINES,
    degrade,
    image_bytes,
    multipage_tiff,
    pdf_with_pages,
    shuffled_lines,
    text_page,
    text_pdf,
    word_recall,
)

OPTIONS = ProcessingOptions(languages="eng+cym")


def read(data: bytes, name: str, settings: Settings | None = None):
    settings = settings or Settings()
    result = ProcessingResult(id="t", source=Source(filename=name))
    doc = open_document(data, name, settings.limits)
    try:
        pages, images = read_pages(doc, OPTIONS, settings, result)
    finally:
        doc.close()
    return pages, images, result


def texts(page) -> list[str]:
    return [w.text for w in page.words]


def test_text_layer_pdf_reads_words_without_ocr():
    lines = [TEXT_LINES, shuffled_lines(1), shuffled_lines(2)]
    data = text_pdf(lines)
    started = time.perf_counter()
    pages, images, result = read(data, "form.pdf")
    per_page = (time.perf_counter() - started) / len(pages)
    reference = PdfplumberTextLayer(data)
    try:
        for index, page in enumerate(pages):
            assert page.source == PageSource.TEXT_LAYER
            assert (round(page.width), round(page.height)) == (595, 842)
            expected = reference.words(index)
            assert texts(page) == [w.text for w in expected]
            for got, want in zip(page.words, expected, strict=True):
                assert got.confidence == 1.0
                # same word box as pdfplumber's, within 2 points (font-box vs size-box)
                assert np.allclose(got.bbox, want.bbox, atol=2.0), (got, want)
            image = images[page.number]
            assert image.dtype == np.uint8 and image.ndim == 2
            assert image.shape[1] / page.width == pytest.approx(TEXT_PAGE_IMAGE_DPI / 72, 0.01)
    finally:
        reference.close()
    assert result.errors == []
    assert "ocr" not in result.timings
    assert per_page < 0.2  # ~15 ms measured; generous for a shared machine


def test_text_page_image_shows_the_drawn_box_where_the_page_says():
    # text_pdf draws a 200 × 40 pt rectangle at x=72, y=100 from the bottom
    pages, images, _ = read(text_pdf([TEXT_LINES[:2]]), "box.pdf")
    image, page = images[1], pages[0]
    scale = image.shape[1] / page.width
    top = round((page.height - 140) * scale)
    left, right = round(72 * scale), round(272 * scale)
    row = image[top, left - 5 : right + 5]
    assert (row < 128).mean() > 0.9  # the top edge of the box is a dark line there


@pytest.mark.ocr
def test_skewed_noisy_jpeg_scan_is_read():
    page = text_page(dpi=300)
    scan = degrade(page.image, skew=3.0, noise=25, blur=0.8, jpeg_quality=60)
    pages, images, result = read(image_bytes(scan, "JPEG", quality=60), "scan.jpg")
    (read_page,) = pages
    assert read_page.source == PageSource.OCR
    assert read_page.rotation == 0
    assert read_page.skew == pytest.approx(3.0, abs=0.3)
    assert read_page.dpi == 300
    assert word_recall(page.words, texts(read_page)) >= 0.9
    assert all(0.0 <= w.confidence <= 1.0 for w in read_page.words)
    assert all(w.text.strip() for w in read_page.words)
    image = images[1]
    assert image.shape[1] / read_page.width == 1.0
    assert image.shape[0] == read_page.height
    for w in read_page.words:
        x0, y0, x1, y1 = w.bbox
        assert 0 <= x0 < x1 <= read_page.width and 0 <= y0 < y1 <= read_page.height
    # the word box lands on ink in the returned upright image
    name = next(w for w in read_page.words if w.text == "APPLICATION")
    x0, y0, x1, y1 = (int(v) for v in name.bbox)
    assert (image[y0:y1, x0:x1] < 128).mean() > 0.15
    assert result.timings["ocr"] > 0


@pytest.mark.ocr
def test_low_resolution_scan_is_enlarged_for_ocr_and_boxes_stay_in_page_pixels():
    page = text_page(dpi=150, point_size=9)
    scan = degrade(page.image, skew=1.5, noise=12, blur=0.5, jpeg_quality=70)
    pages, images, _ = read(image_bytes(scan, "JPEG", dpi=150, quality=70), "low.jpg")
    (read_page,) = pages
    assert word_recall(page.words, texts(read_page)) >= 0.95
    assert images[1].shape == (read_page.height, read_page.width)  # not the enlarged copy
    name = next(w for w in read_page.words if w.text == "APPLICATION")
    x0, y0, x1, y1 = (int(v) for v in name.bbox)
    assert x1 <= read_page.width and y1 <= read_page.height
    assert (images[1][y0:y1, x0:x1] < 128).mean() > 0.15  # the box is on the word


@pytest.mark.ocr
def test_multipage_tiff_turned_every_way():
    expected = {}
    frames = []
    for rotate, skew in [(0, 0.0), (90, 2.0), (180, -2.5), (270, 1.0)]:
        page = text_page(shuffled_lines(rotate), dpi=200, font_name="DejaVuSerif.ttf")
        expected[rotate] = page.words
        frames.append(degrade(page.image, rotate=rotate, skew=skew, noise=20, seed=rotate))
    pages, images, result = read(multipage_tiff(frames, dpi=200), "batch.tif")
    assert result.errors == []
    assert [p.rotation for p in pages] == [0, 90, 180, 270]
    for page, rotate in zip(pages, [0, 90, 180, 270], strict=True):
        assert word_recall(expected[rotate], texts(page)) >= 0.9, (rotate, texts(page)[:20])
        assert images[page.number].shape[0] > images[page.number].shape[1]  # upright A4


@pytest.mark.ocr
def test_mixed_pdf_reads_text_pages_and_ocrs_the_scan():
    scan = text_page(shuffled_lines(9), dpi=300)
    stamped = text_page(TEXT_LINES[5:8], dpi=300)
    data = pdf_with_pages(
        [
            TEXT_LINES,
            degrade(scan.image, rotate=180, skew=-2.0, noise=15),
            TEXT_LINES[:3],
            (stamped.image, "RECEIVED 12 JAN 2024"),
        ]
    )
    pages, images, result = read(data, "mixed.pdf")
    assert [p.source for p in pages] == [
        PageSource.TEXT_LAYER,
        PageSource.OCR,
        PageSource.TEXT_LAYER,
        PageSource.OCR,  # a stamp in the text layer does not hide the scan under it
    ]
    assert texts(pages[2]) == " ".join(TEXT_LINES[:3]).split()
    assert pages[1].rotation == 180
    assert pages[1].dpi == 300
    assert word_recall(scan.words, texts(pages[1])) >= 0.9
    stamp = ["RECEIVED", "12", "JAN", "2024"]
    assert word_recall(stamped.words + stamp, texts(pages[3])) >= 0.9
    assert sorted(images) == [1, 2, 3, 4]
    assert result.errors == []


@pytest.mark.ocr
def test_a_failing_page_is_kept_and_the_document_goes_on():
    scan = text_page(TEXT_LINES[:4], dpi=300)
    data = pdf_with_pages([TEXT_LINES[:2], scan.image])
    impatient = Settings(ocr=OcrSettings(timeout_s=0.01))
    pages, images, result = read(data, "mixed.pdf", impatient)
    assert pages[0].source == PageSource.TEXT_LAYER and pages[0].words
    assert pages[1].errors and "longer than" in pages[1].errors[0]
    assert pages[1].words == []
    assert 2 not in images
    assert [(e.stage, e.page) for e in result.errors] == [("read", 2)]
    # with no page readable at all, the document fails with the page's reason
    with pytest.raises(EngineError, match="longer than"):
        read(image_bytes(scan.image), "scan.png", impatient)


def test_scanned_pdf_page_image_is_taken_at_its_own_resolution():
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    from idp.engines.pdf_render import PdfiumDocument

    scan = text_page(TEXT_LINES[:3], dpi=200).image
    only_image = PdfiumDocument(pdf_with_pages([scan], dpi=200))
    gray, dpi = only_image.scan_image(0, 300)
    assert dpi == 200
    assert gray.shape == (scan.height, scan.width)
    # the same pixels the scanner wrote, not a resampled copy
    assert np.abs(gray.astype(int) - np.asarray(scan, dtype=int)).mean() < 1.0
    only_image.close()

    # an image plus a drawn line is a composed page: it is rendered at the asked dpi
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595.28, 841.89))
    c.drawImage(ImageReader(scan), 0, 0, width=595.28, height=841.89)
    c.line(50, 50, 500, 50)
    c.showPage()
    c.save()
    composed = PdfiumDocument(buf.getvalue())
    gray, dpi = composed.scan_image(0, 300)
    assert dpi == 300
    assert abs(gray.shape[1] - 595.28 / 72 * 300) <= 1
    composed.close()


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_text_layer_boxes_land_on_the_rendered_words_of_a_rotated_page(rotation):
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(595.28, 841.89))
    c.setPageRotation(rotation)
    c.setFont("Helvetica", 14)
    c.drawString(72, 500, "Rotated page words here")
    c.drawString(300, 100, "Bottom right")
    c.showPage()
    c.save()
    pages, images, _ = read(buf.getvalue(), "rotated.pdf")
    page, image = pages[0], images[1]
    assert page.rotation == 0  # /Rotate is how the page is shown, not a correction
    expected = ["Rotated", "page", "words", "here", "Bottom", "right"]
    assert [w.text for w in page.words] == expected
    scale = image.shape[1] / page.width
    assert image.shape[0] / page.height == pytest.approx(scale, rel=0.01)
    for word in page.words:
        x0, y0, x1, y1 = (round(v * scale) for v in word.bbox)
        ink = (image[y0 : y1 + 1, x0 : x1 + 1] < 128).mean()
        assert ink > 0.1, (word.text, word.bbox)


@pytest.mark.ocr
def test_blank_scan_gives_a_page_without_words_and_no_error():
    from PIL import Image

    blank = degrade(Image.new("L", (1654, 2339), 255), noise=8)  # A4 at 200 dpi, grey noise
    pages, images, result = read(image_bytes(blank, dpi=200), "blank.png")
    assert pages[0].words == []
    assert pages[0].errors == [] and result.errors == []
    assert images[1].shape == (2339, 1654)


def test_missing_language_pack_fails_only_documents_that_need_ocr():
    settings = Settings()
    klingon = ProcessingOptions(languages="eng+tlh")
    doc = open_document(text_pdf([TEXT_LINES[:2]]), "t.pdf", settings.limits)
    result = ProcessingResult(id="t", source=Source(filename="t.pdf"))
    pages, _ = read_pages(doc, klingon, settings, result)
    assert pages[0].words
    doc.close()
    scan = open_document(image_bytes(text_page(TEXT_LINES[:2], dpi=150).image), "s.png",
                         settings.limits)
    with pytest.raises(EngineError, match="tlh is not installed"):
        read_pages(scan, klingon, settings, result)
    scan.close()


def shared_data() -> Path:
    """The real development sets: ``IDP_SHARED_DATA``, ``../shared/data`` beside the
    repository (CI), or ``/work/shared/data`` (a worktree)."""
    if os.environ.get("IDP_SHARED_DATA"):
        return Path(os.environ["IDP_SHARED_DATA"])
    beside = Path(__file__).resolve().parents[3] / "shared" / "data"
    return beside if beside.is_dir() else Path("/work/shared/data")


FUNSD = shared_data() / "funsd-train" / "images"


@pytest.mark.ml
@pytest.mark.skipif(not FUNSD.is_dir(), reason="FUNSD scans not present (../shared/data)")
def test_real_scans_turned_every_way_come_back_upright():
    import cv2

    from idp.engines.image_prep import rotate_quarter
    from idp.engines.orientation import make_upright

    wrong = []
    for path in sorted(FUNSD.glob("*.png"))[:6]:
        scan = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        for rotation in (0, 90, 180, 270):
            turned = rotate_quarter(scan, (360 - rotation) % 360)
            found = make_upright(turned).rotation
            if found != rotation:
                wrong.append((path.name, rotation, found))
    assert wrong == []


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_sparse_page_of_labels_over_rules_is_turned_the_right_way(rotation):
    """Regression: the second page of a stacked form (two labels, a value, two fill-in
    rules) came out upside down: the rules under the text counted as descenders."""
    from idp.engines.orientation import make_upright
    from tests.data.pages import sparse_form_page

    page = degrade(sparse_form_page(200), rotate=rotation, noise=6, blur=0.5, jpeg_quality=60)
    upright = make_upright(np.asarray(page))
    assert upright.rotation == rotation


def test_rows_of_rule_are_not_counted_as_text_ink():
    from idp.engines.image_prep import ink_rows, text_ink_rows

    binary = np.full((200, 1200), 255, np.uint8)
    binary[50:60, 100:140] = 0  # a letter-sized blob
    binary[80:82, 100:900] = 0  # a fill-in rule
    binary[80:82, 950:980] = 0  # a short dash on the rule's rows
    for x in range(100, 1000, 25):
        binary[120:130, x : x + 20] = 0  # a line of letters…
    binary[125, 100:300] = 0  # …crossed by a rule, a small share of those rows
    rows, plain = text_ink_rows(binary), ink_rows(binary)
    assert rows[50:60].tolist() == plain[50:60].tolist() == [40.0] * 10
    assert rows[80:82].tolist() == [0.0, 0.0]
    assert rows[120:130].tolist() == plain[120:130].tolist()


ACCENTED_NAMES = ["Søren Sørensen", "Łukasz Łukaszewicz", "Małgorzata Çelik",
                  "Siân Siobhán Nguyễn", "Ffôn / Phone +44 7812 570107"]


def test_default_languages_keep_the_accents_of_latin_script_names():
    """The default OCR models read letters the English and Welsh models lack (ø, Ł, ł, Ç)
    and keep '+44' a plus sign; ``eng+cym`` on the same scan drops most of them."""
    page = text_page(ACCENTED_NAMES, dpi=300, point_size=12)
    scan = image_bytes(degrade(page.image, skew=1.0, noise=8, blur=0.5, jpeg_quality=75),
                       "JPEG", quality=75)
    settings = Settings()
    wanted = ["Søren", "Sørensen", "Łukasz", "Łukaszewicz", "Małgorzata", "Çelik", "+44"]

    def right(options: ProcessingOptions) -> list[str]:
        result = ProcessingResult(id="t", source=Source(filename="names.jpg"))
        doc = open_document(scan, "names.jpg", settings.limits)
        try:
            pages, _ = read_pages(doc, options, settings, result)
        finally:
            doc.close()
        found = set(texts(pages[0]))
        return [w for w in wanted if w in found]

    assert len(right(ProcessingOptions())) >= len(wanted) - 1
    assert len(right(ProcessingOptions(languages="eng+cym"))) <= 2
