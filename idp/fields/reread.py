"""A second, closer reading of personal names and addresses on scanned pages.

The page-wide OCR reads English and Welsh, whose models lack most accented letters, so
"Łukasz" comes back as "tukasz" and "Sørensen" as "Sgrensen". Names must come out intact
whatever their origin, so the winning box of each name (and address) field is read again
with Tesseract's Latin-script model, which knows the accents of every Latin-script language.
The second reading replaces the first only when, accents aside, the two agree, so a poor
crop can never swap in a different name.

This is the pipeline's ``reread`` stage, after ``extract``. Page images are gone by then
(each is dropped once its page is stored), so the pipeline keeps the upright images of OCR
pages aside while reading (only when ``wants_page_images`` says the schema has such fields)
and hands them back one at a time through ``page_image``. Tesseract runs through the
``TesseractOcr`` wrapper, with its timeout.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from idp.datamodel import FieldResult, Page, PageSource, ProcessingResult
from idp.errors import EngineError
from idp.schemas import DocumentSchema
from idp.settings import Settings
from idp.text import display_text, strip_accents
from idp.validation import normalise_field

if TYPE_CHECKING:
    import numpy as np

    from idp.engines.tesseract_ocr import TesseractOcr

log = logging.getLogger(__name__)

REREAD_LANGUAGES = "Latin+cym"
"""Tesseract models for the second reading (Debian ``tesseract-ocr-script-latn``)."""
MIN_AGREEMENT = 80.0
"""Accent-folded similarity (0–100) the two readings need for the second to be taken."""


def latin_available() -> bool:
    """Whether Tesseract has the Latin-script model installed."""
    from idp.engines.tesseract_ocr import installed_languages

    try:
        return "Latin" in installed_languages()
    except EngineError:  # no Tesseract: nothing to re-read with
        return False


def wants_page_images(schema: DocumentSchema) -> bool:
    """Whether re-reading can apply to ``schema``: it has a field whose format is re-read
    (names, addresses) and the Latin model is installed. Page images are kept for the
    stage only then."""
    if not any(spec.value_format().reread_accents for spec in schema.fields.values()):
        return False
    return latin_available()


def reread_engine(settings: Settings) -> TesseractOcr:
    """The Tesseract wrapper for second readings: the Latin model, one line per box."""
    from idp.engines.tesseract_ocr import TesseractOcr

    return TesseractOcr(REREAD_LANGUAGES, settings.ocr.timeout_s, psm=7)


def read_box(image: Any, page: Page, bbox: list[float], ocr: TesseractOcr) -> str:
    """The text in a relative box of a page image, read as one line by ``ocr``."""
    height, width = image.shape[:2]
    x0, y0, x1, y1 = bbox
    pad_y = (y1 - y0) * 0.4
    box = (
        max(int((x0 - 0.006) * width), 0),
        max(int((y0 - pad_y) * height), 0),
        min(int((x1 + 0.02) * width), width),
        min(int((y1 + pad_y) * height), height),
    )
    if box[2] <= box[0] or box[3] <= box[1]:
        return ""
    crop = image[box[1] : box[3], box[0] : box[2]]
    return display_text(" ".join(word.text for word in ocr.read(crop)))


def better_reading(first: str, second: str) -> bool:
    """Whether ``second`` should replace ``first``: it agrees accents aside and adds some."""
    if not second or second == first:
        return False
    folded_first, folded_second = strip_accents(first), strip_accents(second)
    if folded_second == folded_first:
        return True
    agreement = fuzz.ratio(folded_first, folded_second)
    return agreement >= MIN_AGREEMENT and len(second) >= len(first) - 1


def reread_fields(
    result: ProcessingResult,
    schema: DocumentSchema,
    page_image: Callable[[int], np.ndarray | None],
    settings: Settings,
) -> None:
    """The reread stage: re-read name and address fields that came from OCR pages and
    update value and text. ``page_image(number)`` gives a page's upright image, or None."""
    todo = []
    for name, spec in schema.fields.items():
        field: FieldResult | None = result.fields.get(name)
        if not spec.value_format().reread_accents or field is None or field.value is None:
            continue
        if field.page is None or field.bbox is None:
            continue
        if result.pages[field.page - 1].source != PageSource.OCR:
            continue
        todo.append((name, spec, field))
    if not todo or not latin_available():
        return
    ocr = reread_engine(settings)
    for name, spec, field in sorted(todo, key=lambda item: item[2].page or 0):
        assert field.page is not None and field.bbox is not None
        image = page_image(field.page)
        if image is None:
            continue
        try:
            second = read_box(image, result.pages[field.page - 1], field.bbox, ocr)
        except Exception as exc:  # the first reading stands
            log.warning("second reading of %s failed: %s", name, exc)
            continue
        first = field.text or str(field.value)
        if not better_reading(first, second):
            continue
        norm = normalise_field(spec, second)
        if norm.value is None:
            continue
        field.value, field.text = norm.value, second
        if norm.errors:
            field.errors = norm.errors
            field.valid = False
