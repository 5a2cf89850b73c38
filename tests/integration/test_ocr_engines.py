"""Orientation decided by reading, and the two OCR engines (Tesseract, PP-OCRv6 through
rapidocr) chosen per page: real engines on generated pages and a few real scans."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from idp.datamodel import PageSource, ProcessingOptions, ProcessingResult, Source
from idp.engines.image_prep import clean, ink_contrast, rotate_quarter
from idp.engines.orientation import make_upright, reading_score
from idp.engines.rapid_ocr import RapidOcr, fit_boxes_to_ink
from idp.engines.tesseract_ocr import TesseractOcr
from idp.ingest import open_document
from idp.reading import choose_engine, read_pages, reads_poorly
from idp.settings import OcrSettings, Settings
from tests.data.pages import degrade, image_bytes, shuffled_lines, text_page, word_recall
from tests.integration.test_reading import shared_data

SROIE = shared_data() / "sroie-dev" / "img"
FUNSD = shared_data() / "funsd-train" / "images"


def sampler() -> TesseractOcr:
    return TesseractOcr("eng", 30.0, psm=6)


def read_one(data: bytes, name: str, settings: Settings):
    result = ProcessingResult(id="t", source=Source(filename=name))
    doc = open_document(data, name, settings.limits)
    try:
        pages, _ = read_pages(doc, ProcessingOptions(languages="eng"), settings, result)
    finally:
        doc.close()
    return pages[0]


@pytest.mark.ocr
@pytest.mark.skipif(not SROIE.is_dir(), reason="SROIE receipts not present (../shared/data)")
@pytest.mark.parametrize("name", ["002.jpg", "013.jpg", "014.jpg", "151.jpg", "341.jpg"])
def test_upright_receipts_are_never_turned(name):
    """Regression: narrow receipts in a monospaced font (columns of letters line up) read
    as lying on their side to the line profile and were turned 90/270°; 136 of 252 were.
    The reading of a sample refuses the turn."""
    import cv2

    receipt = cv2.imread(str(SROIE / name), cv2.IMREAD_GRAYSCALE)
    upright = make_upright(receipt, read_sample=sampler().read)
    assert upright.rotation == 0
    assert upright.method in ("profile", "classifier", "reading")


@pytest.mark.ocr
@pytest.mark.ml
@pytest.mark.skipif(not FUNSD.is_dir(), reason="FUNSD scans not present (../shared/data)")
@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_real_forms_turned_are_turned_back_with_the_reading_confirming(rotation):
    import cv2

    # 0001239897 has black microfilm margins, which once joined all its lines into one
    for stem in ("0000971160", "0001239897"):
        scan = cv2.imread(str(FUNSD / f"{stem}.png"), cv2.IMREAD_GRAYSCALE)
        turned = rotate_quarter(scan, (360 - rotation) % 360)
        upright = make_upright(turned, read_sample=sampler().read)
        assert upright.rotation == rotation, stem
        assert upright.method.endswith("+reading")


@pytest.mark.ocr
def test_auto_rotation_can_be_turned_off():
    page = text_page(shuffled_lines(4), dpi=200)
    scan = degrade(page.image, rotate=180, skew=1.0, noise=10)
    settings = Settings(ocr=OcrSettings(auto_rotate=False))
    read = read_one(image_bytes(scan, dpi=200), "off.png", settings)
    assert read.rotation == 0
    assert read.rotation_method == "off"
    assert abs(read.skew) == pytest.approx(1.0, abs=0.3)  # still deskewed
    on = read_one(image_bytes(scan, dpi=200), "on.png", Settings())
    assert on.rotation == 180
    assert on.rotation_method.startswith(("profile", "classifier"))
    assert word_recall(page.words, [w.text for w in on.words]) >= 0.9


def test_reading_score_prefers_words_over_fragments():
    from idp.datamodel import Word

    def words(*pairs: tuple[str, float]) -> list[Word]:
        return [Word(text=t, bbox=(0, 0, 1, 1), confidence=c) for t, c in pairs]

    upright = words(("TOTAL", 0.92), ("RM", 0.9), ("12.50", 0.88), ("CASH", 0.95))
    upside_down = words(("sarqDdns", 0.6), ("|", 0.9), ("'1", 0.4), ("oS", 0.2))
    assert reading_score(upright) > 10 * max(reading_score(upside_down), 0.1)


def test_engine_is_chosen_by_text_height_and_ink_contrast():
    assert choose_engine("auto", 11.0) == "rapidocr"
    assert choose_engine("auto", 30.0) == "tesseract"
    assert choose_engine("auto", 30.0, 215.0) == "tesseract"
    assert choose_engine("auto", 30.0, 120.0) == "rapidocr"  # faint print: read once
    assert choose_engine("auto", None) == "tesseract"
    assert choose_engine("tesseract", 8.0) == "tesseract"
    assert choose_engine("rapidocr", 40.0) == "rapidocr"


def test_ink_contrast_tells_faint_print_from_dark_print():
    page = text_page(shuffled_lines(3), dpi=200)
    dark = np.asarray(degrade(page.image, noise=8).convert("L"))
    # thermal print: thin grey strokes on slightly grey paper
    faint = (150 + dark.astype(np.float32) * (235 - 150) / 255).astype(np.uint8)
    contrasts = []
    for gray in (dark, faint):
        binary = clean(gray, despeckle=False)
        contrasts.append(ink_contrast(gray, binary))
    assert contrasts[0] is not None and contrasts[0] > 200
    assert contrasts[1] is not None and contrasts[1] < 100
    assert ink_contrast(np.full((50, 50), 250, np.uint8), np.full((50, 50), 255, np.uint8)) is None


def test_a_page_read_unsure_across_its_words_is_judged_poor():
    from idp.datamodel import Word

    def words(conf: float, n: int = 30, text: str = "TOTAL") -> list[Word]:
        return [Word(text=text, bbox=(0, 0, 1, 1), confidence=conf) for _ in range(n)]

    assert reads_poorly(words(0.7))
    assert not reads_poorly(words(0.93))
    assert not reads_poorly(words(0.5, n=5))  # too few words to judge
    # checkbox marks and specks read unsure on every form do not count
    assert not reads_poorly(words(0.93) + words(0.1, n=40, text="[m@]"))


@pytest.mark.ocr
@pytest.mark.ml
@pytest.mark.skipif(not SROIE.is_dir(), reason="SROIE receipts not present (../shared/data)")
def test_receipt_tesseract_reads_poorly_is_read_again_by_rapidocr():
    """Receipt 013: tall enough print for Tesseract by text height, but faint; Tesseract
    finds 0.44 of its words, PP-OCRv6 0.83."""
    from tests.data.receipts import gold_words
    from tests.data.receipts import word_recall as receipt_recall

    read = read_one((SROIE / "013.jpg").read_bytes(), "013.jpg", Settings())
    assert read.ocr_engine == "rapidocr"
    hit, total = receipt_recall(gold_words(SROIE.parent / "box" / "013.csv"),
                                [w.text for w in read.words])
    assert hit / total >= 0.75


@pytest.mark.ocr
@pytest.mark.ml
def test_low_resolution_page_is_read_by_rapidocr_with_boxes_on_the_words(caplog):
    page = text_page(shuffled_lines(7), dpi=100, point_size=9)
    scan = degrade(page.image, noise=10, blur=0.4, jpeg_quality=80)
    with caplog.at_level(logging.INFO):
        read = read_one(image_bytes(scan, "JPEG", dpi=100, quality=80), "low.jpg", Settings())
    assert read.source == PageSource.OCR
    assert read.ocr_engine == "rapidocr"
    assert word_recall(page.words, [w.text for w in read.words]) >= 0.85
    assert all(0.0 <= w.confidence <= 1.0 for w in read.words)
    gray = np.asarray(scan.convert("L"))
    for w in read.words[:20]:
        x0, y0, x1, y1 = (int(v) for v in w.bbox)
        assert 0 <= x0 < x1 <= read.width and 0 <= y0 < y1 <= read.height
        assert (gray[y0:y1, x0:x1] < 128).mean() > 0.05, w  # the box is on ink
    # the library's own coloured handler is gone: its records go through logging
    library = logging.getLogger("RapidOCR")
    assert library.handlers == [] and library.propagate


@pytest.mark.ml
def test_rapidocr_splits_words_glued_at_a_slash_or_after_a_label_and_fits_boxes_to_ink():
    page = text_page(["Name/Phone Supervisor/Manager", "Date:12/03/2024 Time 15:28:00"],
                     dpi=150, point_size=11)
    gray = np.asarray(page.image.convert("L"))
    words = RapidOcr().read(gray)
    texts = [w.text for w in words]
    assert "Name/" in texts and "Phone" in texts, texts
    assert "Date:" in texts and "12/03/2024" in texts, texts  # a label and its value
    assert "15:28:00" in texts, texts  # a time is not a label
    binary = np.where(gray < 128, 0, 255).astype(np.uint8)
    for word in fit_boxes_to_ink(words, binary):
        x0, y0, x1, y1 = (int(v) for v in word.bbox)
        ink = binary[y0:y1, x0:x1] < 128
        assert ink[:, :3].any() or ink[:, -3:].any()  # ink reaches the box's sides


def test_a_page_of_many_lines_read_as_almost_no_words_is_read_again():
    from idp.datamodel import Word
    from idp.reading import reads_nothing

    page = np.full((600, 300), 255, np.uint8)
    for top in range(20, 560, 40):  # 14 lines of letter-sized blots
        for left in range(20, 280, 14):
            page[top : top + 14, left : left + 6] = 0
    few = [Word(text="TOTAL", bbox=(0, 0, 1, 1), confidence=0.9)] * 3
    assert reads_nothing(few, page)
    assert not reads_nothing(few * 10, page)  # enough words: judged by confidence instead
    assert not reads_nothing(few, page[:100])  # two lines: a short page, not a failure
