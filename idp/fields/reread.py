"""A second, closer reading of personal names and addresses on scanned pages.

The page-wide OCR reads English and Welsh, whose models lack most accented letters, so
"Łukasz" comes back as "tukasz" and "Sørensen" as "Sgrensen". Names must come out intact
whatever their origin, so the winning box of each name (and address) field is read again
with Tesseract's Latin-script model, which knows the accents of every Latin-script language.
The second reading replaces the first only when, accents aside, the two agree, so a poor
crop can never swap in a different name.
"""

from __future__ import annotations

import logging
from typing import Any

from rapidfuzz import fuzz

from idp.datamodel import FieldResult, Page, PageSource, ProcessingResult
from idp.errors import EngineError
from idp.schemas import DocumentSchema
from idp.text import display_text, strip_accents
from idp.validation import normalise_field

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


def read_box(image: Any, page: Page, bbox: list[float]) -> str:
    """The text in a relative box of a page image, read as one line with the Latin model."""
    import pytesseract
    from PIL import Image

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
    crop = Image.fromarray(image[box[1] : box[3], box[0] : box[2]])
    text = pytesseract.image_to_string(crop, lang=REREAD_LANGUAGES, config="--psm 7")
    return display_text(text)


def better_reading(first: str, second: str) -> bool:
    """Whether ``second`` should replace ``first``: it agrees accents aside and adds some."""
    if not second or second == first:
        return False
    folded_first, folded_second = strip_accents(first), strip_accents(second)
    if folded_second == folded_first:
        return True
    agreement = fuzz.ratio(folded_first, folded_second)
    return agreement >= MIN_AGREEMENT and len(second) >= len(first) - 1


def reread_fields(result: ProcessingResult, schema: DocumentSchema) -> None:
    """Re-read name and address fields that came from OCR pages; update value and text."""
    images = result.transient.get("images") or {}
    if not images or not latin_available():
        return
    for name, spec in schema.fields.items():
        field: FieldResult | None = result.fields.get(name)
        if not spec.value_format().reread_accents or field is None or field.value is None:
            continue
        if field.page is None or field.bbox is None or field.page not in images:
            continue
        page = result.pages[field.page - 1]
        if page.source != PageSource.OCR:
            continue
        try:
            second = read_box(images[field.page], page, field.bbox)
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
