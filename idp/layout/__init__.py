"""Layout stage: lines, blocks and reading order, tables, checkboxes, signature marks and
generic key–value pairs for one page.

``analyse_page`` is what the pipeline calls. The text-layer path uses only geometry and
OpenCV morphology (a few milliseconds a page); scanned pages also run rapid-layout's
region model to name block types (title, table, figure…).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from idp.datamodel import Page, PageSource, Table, Word
from idp.geometry import centre_in
from idp.layout.blocks import build_blocks
from idp.layout.checkboxes import (
    attach_labels,
    find_glyph_checkboxes,
    find_image_checkboxes,
    merge_boxes,
    split_glyph_prefixes,
    trim_box_words,
)
from idp.layout.keyvalues import KvContext, find_key_values
from idp.layout.lines import Row, group_rows, split_segments
from idp.layout.possible_pairs import find_possible_pairs
from idp.layout.rulings import PageImage, Rulings, find_rulings, prepare_image
from idp.layout.signatures import find_signatures
from idp.layout.tables import find_ruled_tables, find_unruled_tables

if TYPE_CHECKING:
    import layoutparser as lp
    import numpy as np

log = logging.getLogger(__name__)

MODEL_SIDE = 1024
"""Longest side, in pixels, of the page image given to the region model."""

__all__ = ["analyse_page"]


def analyse_page(
    page: Page,
    image: np.ndarray | None,
    use_model: bool | None = None,
    possible_pairs: bool = True,
) -> None:
    """Fill ``page``'s lines, blocks, tables, checkboxes, signatures and key–value pairs.

    ``page.words`` must be filled (page units, origin top-left). ``image`` is the upright
    grayscale page; without it only the text layer is used (no rulings, drawn boxes or
    handwriting). ``use_model`` runs the region model; by default only on scanned pages.
    ``possible_pairs`` also lists the further pairings only the field extractors read
    (``page.possible_pairs``); without a schema nobody reads them, so the pipeline skips them.
    Words glued to a box glyph ("☐Yes") are split into glyph and label, and OCR words that
    are a drawn box misread as text ("[]", "[m]post") lose the box part.
    """
    page.words = split_glyph_prefixes(page.words)
    words = page.words
    img = _prepare(page, image)
    rulings = find_rulings(img) if img is not None else Rulings()
    glyphs = find_glyph_checkboxes(words)
    drawn = find_image_checkboxes(img) if img is not None else []
    ocr = page.source == PageSource.OCR
    boxes = merge_boxes(glyphs, drawn, words, ocr)
    drawn = [b for b in boxes if not b.word_ids]
    if drawn and ocr:
        page.words = words = trim_box_words(words, drawn)
        glyphs = find_glyph_checkboxes(words)
        boxes = merge_boxes(glyphs, drawn, words, ocr)
    glyph_words = {i for b in glyphs for i in b.word_ids}

    rows = group_rows(words)
    segments = split_segments(
        rows, words, rulings.vertical, [b.bbox for b in drawn], isolated=glyph_words
    )
    checkboxes = attach_labels(boxes, rows, words)

    ppu = img.points_per_unit if img is not None else 1.0
    ruled = find_ruled_tables(rulings, rows, words, ppu)
    tables = [t for t in ruled if not _form_grid(t, rows, words)]
    tables += find_unruled_tables(rows, words, [t.bbox for t in tables])
    signatures = find_signatures(
        rows, segments, words, rulings.horizontal, img, rulings.vertical
    )

    regions = None
    if use_model is None:
        use_model = page.source == PageSource.OCR
    if use_model and img is not None:
        regions = _model_regions(img)
    lines, blocks, _layout = build_blocks(rows, segments, words, tables, page.width, regions)

    page.lines = lines
    page.blocks = blocks
    page.tables = tables
    page.checkboxes = checkboxes
    page.signatures = [s.mark for s in signatures]
    ctx = KvContext(
        page=page,
        words=words,
        rows=rows,
        segments=segments,
        horizontal=rulings.horizontal,
        cells=rulings.cells,
        tables=tables,
        boxes=boxes,
        checkboxes=checkboxes,
        signatures=signatures,
        skip=glyph_words,
    )
    page.key_values = find_key_values(ctx)
    if possible_pairs:
        page.possible_pairs = find_possible_pairs(ctx)


def _prepare(page: Page, image: np.ndarray | None) -> PageImage | None:
    if image is None or page.width <= 0:
        return None
    if page.source == PageSource.TEXT_LAYER:
        ppu = 1.0
    else:
        # Scans are in pixels; without a recorded dpi assume an A4/Letter-wide page.
        dpi = page.dpi or page.width / 8.3
        ppu = 72.0 / dpi
    if page.source == PageSource.TEXT_LAYER:
        # ~108 dpi is plenty for rules and 9 pt boxes and keeps this path near 10 ms.
        return prepare_image(image, page.width, ppu, scanned=False, max_px_per_point=2.1)
    return prepare_image(image, page.width, ppu, scanned=True, max_px_per_point=2.8)


def _form_grid(table: Table, rows: list[Row], words: list[Word]) -> bool:
    """A grid of boxes each holding a label over a value is a form, not a table."""
    filled = [c for c in table.cells if c.text]
    if not filled:
        return False
    stacked = 0
    for c in filled:
        y0, y1 = c.bbox[1], c.bbox[3]
        n_rows = 0
        for r in rows:
            if r.bbox[3] < y0 or r.bbox[1] > y1:
                continue
            n_rows += any(centre_in(words[i].bbox, c.bbox) for i in r.word_ids)
        stacked += n_rows >= 2
    return stacked >= 0.5 * len(filled)


def _model_regions(img: PageImage) -> lp.Layout | None:
    """Regions from the layout model in page units, or ``None`` if the model fails."""
    try:
        import cv2

        from idp.engines.layout_model import get_layout_model

        # The model works at ~800 px; handing it a 1024 px page instead of a full scan
        # saves ~100 ms of its own resizing and changes nothing it can see.
        f = min(1.0, MODEL_SIDE / max(img.gray.shape))
        small = cv2.resize(img.gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        layout = get_layout_model().detect(small)
        return layout.scale(1.0 / (img.scale * f))
    except Exception:  # the model only names block types; geometry works without it
        log.warning("layout model failed; block types from geometry only", exc_info=True)
        return None
