"""The reading stage: words with boxes for every page, plus an upright page image.

A PDF page with a text layer is read from it with PDFium (no OCR) and rendered cheaply
for the layout stage. A scanned page (no characters, only a stamp over a page-sized
image, or unmapped glyph codes) and every page of an image file is decoded or rendered,
turned upright, deskewed, binarised or enlarged by text size, and read once, by
Tesseract or (small or faint print, measured before reading) PP-OCRv6. Pages come out
one at a time, in order (``iter_pages``), so the pipeline can lay out and store each
page and drop its image before the next; OCR pages are read ahead by a few threads
(Tesseract is a subprocess). A page that fails keeps its error and the rest of the
document goes on; a document with no readable page fails with the first page's reason.
Every page's pixels are counted before it is rendered, against a limit for the whole
document.

``result.timings`` gains the seconds spent per step summed over pages (``text_layer``,
``render``, ``prepare``, ``ocr``); with parallel pages the sum can exceed the wall time."""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from idp.datamodel import Page, PageSource, ProcessingOptions, ProcessingResult, Word
from idp.errors import EngineError, IdpError, LimitExceededError
from idp.settings import Settings

if TYPE_CHECKING:
    import numpy as np

    from idp.engines.tesseract_ocr import TesseractOcr
    from idp.ingest import IngestedDocument

log = logging.getLogger(__name__)

TEXT_PAGE_IMAGE_DPI = 144.0
"""Resolution of the image rendered for text-layer pages (layout looks for boxes and
rules on it, not letters): ~7 ms a page."""
STAMP_WORDS = 20
"""A page with fewer text-layer words than this over a page-sized image is OCR'd."""


@dataclass
class PageReading:
    """One page's outcome: the page, its image, and seconds spent per step."""

    page: Page
    image: np.ndarray | None = None
    timings: dict[str, float] = field(default_factory=dict)
    error: IdpError | None = None


def iter_pages(
    doc: IngestedDocument, options: ProcessingOptions, settings: Settings
) -> Iterator[PageReading]:
    """Read the pages of ``doc`` one at a time, in order: one ``PageReading`` per page.

    OCR pages are read ahead by ``settings.ocr.page_workers`` threads, so at most that
    many pages beyond the one handed out are held; each reading's image is the caller's
    to drop. A page that fails comes back with its ``error``; every page's pixels count
    against ``limits.max_document_pixels`` before it is rendered, and going past it raises
    ``LimitExceededError`` (the document fails). Closing the iterator early stops the
    read-ahead threads.
    """
    from idp.engines.tesseract_ocr import TesseractOcr

    budget = PixelBudget(settings.limits.max_document_pixels)
    ocr: TesseractOcr | None = None
    workers = max(1, settings.ocr.page_workers)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="idp-ocr")
    pending: deque[PageReading | Future[PageReading]] = deque()

    def read_ocr(index: int) -> PageReading:
        assert ocr is not None
        reading = _guarded(index, doc, partial(_read_ocr_page, doc, index, ocr, settings))
        return reading or _failed_page(index, doc, EngineError("page could not be read"))

    try:
        for index in range(doc.page_count):
            reading: PageReading | None = None
            if doc.is_pdf:
                text_pixels = doc.page_pixels(index, TEXT_PAGE_IMAGE_DPI)
                budget.charge(text_pixels, index)
                reading = _guarded(index, doc, partial(_read_pdf_text_page, doc, index, settings))
                if reading is None:
                    budget.charge(_ocr_pixels(doc, index, settings) - text_pixels, index)
            else:
                budget.charge(doc.page_pixels(index, 0.0), index)
            if reading is not None:
                pending.append(reading)
            else:
                # Created only when a page needs OCR: a missing language pack must not
                # fail a document that has a text layer on every page.
                if ocr is None:
                    ocr = TesseractOcr(options.languages, settings.ocr.timeout_s)
                pending.append(pool.submit(read_ocr, index))
            while len(pending) > workers:
                yield _resolved(pending.popleft())
        while pending:
            yield _resolved(pending.popleft())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _resolved(item: PageReading | Future[PageReading]) -> PageReading:
    return item.result() if isinstance(item, Future) else item


class PixelBudget:
    """Pixels a document may still render or decode (``limits.max_document_pixels``)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def charge(self, pixels: int, index: int) -> None:
        """Count page ``index``'s pixels; raise ``LimitExceededError`` past the limit."""
        self.used += max(pixels, 0)
        if self.used > self.limit:
            raise LimitExceededError(
                f"page {index + 1} brings the document past the limit of "
                f"{self.limit:,} pixels rendered in all"
            )


def no_page_read(errors: list[IdpError | None]) -> IdpError | None:
    """The error a document fails with when none of its pages could be read (``errors``
    holds each page's reading error, None for a page read), else None."""
    if not errors or any(e is None for e in errors):
        return None
    first = errors[0]
    assert first is not None
    prefix = "" if len(errors) == 1 else "no page could be read; page 1: "
    return type(first)(prefix + first.message)


def record_reading(result: ProcessingResult, reading: PageReading) -> None:
    """Add one page's errors and per-step seconds to ``result``."""
    for message in reading.page.errors:
        result.add_error("read", message, page=reading.page.number)
    for step, seconds in reading.timings.items():
        result.timings[step] = round(result.timings.get(step, 0.0) + seconds, 4)


def read_pages(
    doc: IngestedDocument,
    options: ProcessingOptions,
    settings: Settings,
    result: ProcessingResult,
) -> tuple[list[Page], dict[int, np.ndarray]]:
    """Read every page of ``doc`` and hold them all: one ``Page`` per page, in order, and
    for each page that could be read an upright grayscale image keyed by page number.

    For tools and tests that want a whole document at once; the pipeline reads page by
    page (``iter_pages``) and drops each image once it is stored.
    Image pixels map to page units by ``image.shape[1] / page.width`` (1 for OCR pages).
    Failed pages are returned with their ``errors`` and recorded on ``result``; if no
    page could be read at all, the first page's error is raised (the document fails).
    """
    readings = list(iter_pages(doc, options, settings))
    failure = no_page_read([r.error for r in readings])
    if failure is not None:
        raise failure
    pages: list[Page] = []
    images: dict[int, np.ndarray] = {}
    for reading in readings:
        pages.append(reading.page)
        if reading.image is not None:
            images[reading.page.number] = reading.image
        record_reading(result, reading)
    return pages, images


def _guarded(
    index: int, doc: IngestedDocument, read: Callable[[], PageReading | None]
) -> PageReading | None:
    """Run ``read()``; turn any failure into a failed page instead of raising."""
    try:
        return read()
    except IdpError as exc:
        return _failed_page(index, doc, exc)
    except Exception as exc:  # one page's failure must not stop the document
        log.exception("reading page %s of %s failed", index + 1, doc.filename)
        return _failed_page(
            index, doc, EngineError(f"page could not be read ({type(exc).__name__})")
        )


def _failed_page(index: int, doc: IngestedDocument, error: IdpError) -> PageReading:
    width = height = 0.0
    if doc.pdf is not None:
        # the size is only a courtesy on a page that already failed
        with contextlib.suppress(Exception):
            width, height = doc.pdf.page_size(index)
    page = Page(
        number=index + 1,
        width=width,
        height=height,
        source=PageSource.OCR,
        errors=[error.message],
    )
    return PageReading(page, error=error)


def _read_pdf_text_page(
    doc: IngestedDocument, index: int, settings: Settings
) -> PageReading | None:
    """The page from its text layer, or None when it is a scan: no characters, or a few
    words (a stamp, a page number) on an image that covers most of the page."""
    assert doc.pdf is not None
    started = time.perf_counter()
    words = doc.text_layer.words(index)
    if not words:
        return None
    if len(words) < STAMP_WORDS and doc.pdf.image_coverage(index) >= 0.5:
        return None
    if unreadable_share(words) > 0.3:
        log.info("page %s: text layer has no usable character codes; OCR instead", index + 1)
        return None
    width, height = doc.pdf.page_size(index)
    read_s = time.perf_counter() - started
    started = time.perf_counter()
    image = doc.pdf.render_gray(index, TEXT_PAGE_IMAGE_DPI, settings.limits.max_pixels)
    page = Page(
        number=index + 1,
        width=width,
        height=height,
        source=PageSource.TEXT_LAYER,
        dpi=round(image.shape[1] / width * 72.0, 2),
        words=words,
    )
    return PageReading(
        page, image, {"text_layer": read_s, "render": time.perf_counter() - started}
    )


def unreadable_share(words: list[Word]) -> float:
    """Share of characters that carry no meaning: private-use code points and replacement
    characters, which is what fonts without a Unicode map extract as."""
    total = bad = 0
    for word in words:
        for ch in word.text:
            total += 1
            if "\ue000" <= ch <= "\uf8ff" or ch in "\ufffd\ufffe" or ord(ch) < 32:
                bad += 1
    return bad / total if total else 0.0


def _ocr_dpi(doc: IngestedDocument, index: int, settings: Settings) -> float:
    """Render resolution for an image-only PDF page: the configured dpi, lowered if the
    page would exceed the pixel limit (a poster-sized page must not allocate gigabytes)."""
    assert doc.pdf is not None
    width, height = doc.pdf.page_size(index)
    dpi = float(settings.ocr.dpi)
    pixels = (width / 72.0 * dpi) * (height / 72.0 * dpi)
    if pixels > settings.limits.max_pixels:
        dpi = math.floor(dpi * math.sqrt(settings.limits.max_pixels / pixels))
    return dpi


def _ocr_pixels(doc: IngestedDocument, index: int, settings: Settings) -> int:
    """Pixels an image-only PDF page is rendered to for OCR (at most the page limit)."""
    return min(doc.page_pixels(index, _ocr_dpi(doc, index, settings)), settings.limits.max_pixels)


def _read_ocr_page(
    doc: IngestedDocument, index: int, ocr: TesseractOcr, settings: Settings
) -> PageReading:
    from idp.engines import image_prep
    from idp.engines.orientation import make_upright
    from idp.engines.rapid_ocr import RapidOcr, fit_boxes_to_ink
    from idp.engines.tesseract_ocr import TesseractOcr

    timings: dict[str, float] = {}
    started = time.perf_counter()
    dpi: float | None
    if doc.pdf is not None:
        dpi = _ocr_dpi(doc, index, settings)
        if dpi < 30:
            raise LimitExceededError("page is too large to render within the pixel limit")
        gray, dpi = doc.pdf.scan_image(index, dpi, settings.limits.max_pixels)
    else:
        gray, dpi = doc.image_page(index)
    timings["render"] = time.perf_counter() - started

    started = time.perf_counter()
    sampler = TesseractOcr("eng", ocr.timeout_s, psm=6)
    upright = make_upright(
        gray, read_sample=sampler.read, auto_rotate=settings.ocr.auto_rotate
    )
    contrast = image_prep.ink_contrast(upright.image, upright.binary)
    engine_name = choose_engine(settings.ocr.engine, upright.line_height, contrast)
    if engine_name == "rapidocr":
        image, factor = upright.image, 1.0
    else:
        image, factor = image_prep.ocr_input(upright.image, upright.binary, upright.line_height)
    timings["prepare"] = time.perf_counter() - started

    started = time.perf_counter()
    if engine_name == "rapidocr":
        words = fit_boxes_to_ink(RapidOcr(ocr.timeout_s).read(image, dpi), upright.binary)
    else:
        words = ocr.read(image, dpi * factor if dpi else None)
    timings["ocr"] = time.perf_counter() - started
    if settings.ocr.engine == "auto" and engine_name == "tesseract" and (
        reads_poorly(words) or reads_nothing(words, upright.binary)
    ):
        # Tesseract unsure across the page (faint thermal receipts, worn print): PP-OCRv6
        # reads these far better, and its words replace Tesseract's.
        started = time.perf_counter()
        engine_name, image, factor = "rapidocr", upright.image, 1.0
        words = fit_boxes_to_ink(RapidOcr(ocr.timeout_s).read(image, dpi), upright.binary)
        timings["ocr_second_engine"] = time.perf_counter() - started
    if factor != 1.0:
        # boxes back into the upright image's pixels, which are the page's units
        words = [
            w.model_copy(update={"bbox": tuple(round(v / factor, 1) for v in w.bbox)})
            for w in words
        ]

    height, width = upright.image.shape[:2]
    page = Page(
        number=index + 1,
        width=float(width),
        height=float(height),
        source=PageSource.OCR,
        rotation=upright.rotation,
        rotation_method=upright.method,
        ocr_engine=engine_name,
        skew=round(upright.skew, 2),
        dpi=dpi,
        words=words,
    )
    return PageReading(page, upright.image, timings)


FAINT_BELOW = 190.0
"""Ink contrast (``image_prep.ink_contrast``, grey levels between paper and ink) below
which ``auto`` reads a page with rapidocr straight away: faint thermal print, worn
dot-matrix and grey paper, where Tesseract reads poorly and its page would be read
twice. Generated 300 dpi scans measure 207-221; SROIE receipts mostly 76-180."""
RAPIDOCR_BELOW = 16.0
"""Median text-line height (pixels) below which ``auto`` reads a page with rapidocr:
small or low-resolution print (FUNSD's ~100 dpi forms, lines ~11 px) is where PP-OCRv6
reads far more than Tesseract, and large clean print is where Tesseract is as good at a
fraction of the cost."""


POOR_READING_BELOW = 0.86
"""Mean Tesseract word confidence below which ``auto`` reads the page again with
rapidocr and keeps that reading. Synthetic scans (200-300 dpi, noisy, skewed, JPEG) read
at 0.876-0.933; real shop receipts (SROIE), faint thermal print or dot-matrix, at
0.62-0.86, where PP-OCRv6 finds far more of the words (first 19 receipts: Tesseract 0.68
of the words, PP-OCRv6 0.88)."""
POOR_READING_MIN_WORDS = 20
"""Pages with fewer words than this are not judged: on a few words (a stamp, a
continuation page) the mean says little (a 5-word synthetic page read at 0.83)."""


def reads_poorly(words: list[Word]) -> bool:
    """Whether Tesseract's reading of a page is unsure enough to try the other engine:
    mean word confidence below ``POOR_READING_BELOW`` over enough words."""
    judged = [w.confidence for w in words if _word_like(w.text)]
    if len(judged) < POOR_READING_MIN_WORDS:
        return False
    return sum(judged) / len(judged) < POOR_READING_BELOW


NOTHING_READ_LINES = 10
"""Text lines from which a page that gives Tesseract almost no words is read again:
SROIE receipts 252, 262, 312, 391, 414 (63-137 words each) read as 0-2 words."""


def reads_nothing(words: list[Word], binary: np.ndarray) -> bool:
    """Whether Tesseract found hardly a word (fewer than ``POOR_READING_MIN_WORDS``
    word-like ones) on a page with at least ``NOTHING_READ_LINES`` lines of ink."""
    from idp.engines import image_prep

    if sum(_word_like(w.text) for w in words) >= POOR_READING_MIN_WORDS:
        return False
    page = image_prep.without_black_margins(binary)
    return len(image_prep.text_lines(image_prep.ink_rows(page))) >= NOTHING_READ_LINES


def _word_like(text: str) -> bool:
    """At least two letters or digits, and mostly them: checkbox marks, rules and
    specks read as ``[m@]`` or ``—`` come back unsure on every form and say nothing of how
    well its words were read."""
    alnum = sum(c.isalnum() for c in text)
    return alnum >= 2 and alnum * 2 >= len(text)


def choose_engine(
    setting: str, line_height: float | None, contrast: float | None = None
) -> str:
    """The engine for one page: the configured one, or for ``auto`` by text height and
    ink contrast, measured before reading so that a page is read once."""
    if setting in ("tesseract", "rapidocr"):
        return setting
    if line_height is not None and line_height < RAPIDOCR_BELOW:
        return "rapidocr"
    if contrast is not None and contrast < FAINT_BELOW:
        return "rapidocr"
    return "tesseract"
