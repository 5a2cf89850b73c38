"""Words and boxes from a PDF page's text layer.

``PdfiumTextLayer`` is what the reading stage uses: PDFium's text page gives characters,
their font boxes and the spaces PDFium infers between them, about 5–10 ms for a dense
page. ``PdfplumberTextLayer`` gives the same words through pdfplumber; it is kept as the
reference the tests compare against and for callers that want pdfplumber's
``extract_words`` options, but it costs ~90 ms a page (pdfplumber turns every character
into a dict of 17 attributes before grouping), too slow for text-layer PDFs at 20 pages/s.

Boxes are in PDF points, origin top-left of the displayed page (crop box, /Rotate
applied), matching a PDFium rendering of the page.
"""

from __future__ import annotations

from typing import Any

from idp.datamodel import Word
from idp.engines.pdf_render import PDFIUM_LOCK, PdfiumDocument
from idp.geometry import union

_SEPARATORS = frozenset(" \t\r\n\x00\x02\xa0\ufffe\uffff")


class PdfiumTextLayer:
    """Reads the text layer of PDF pages with PDFium."""

    def __init__(self, document: PdfiumDocument) -> None:
        self.document = document

    def words(self, index: int) -> list[Word]:
        """Words of page ``index``, with their boxes in points from the top-left."""
        with PDFIUM_LOCK:
            page = self.document.page(index)
            textpage = page.get_textpage()
            try:
                return _page_words(page, textpage)
            finally:
                textpage.close()
                page.close()


def _page_words(page: Any, textpage: Any) -> list[Word]:
    n = textpage.count_chars()
    if n <= 0:
        return []
    text = textpage.get_text_range(0, n)
    if len(text) != n:
        # Characters outside the BMP take two UTF-16 units: read them one at a time so
        # indices stay aligned with character boxes.
        text = "".join(textpage.get_text_range(i, 1) or "\ufffe" for i in range(n))
    left, bottom, right, top = page.get_cropbox()
    rotation = page.get_rotation()
    words: list[Word] = []
    start = -1
    for i in range(n + 1):
        is_sep = i == n or text[i] in _SEPARATORS or text[i].isspace()
        if not is_sep:
            if start < 0:
                start = i
            continue
        if start < 0:
            continue
        first, start = start, -1
        box = _word_box(textpage, first, i - 1)
        if box is None:
            continue
        x0, y0, x1, y1 = box
        # PDF space (origin bottom-left) → page space (origin top-left of the crop box)
        rect = (x0 - left, top - y1, x1 - left, top - y0)
        words.append(
            Word(
                text=text[first:i],
                bbox=_rotate(rect, rotation, right - left, top - bottom),
            )
        )
    return words


def _word_box(textpage: Any, first: int, last: int) -> tuple[float, float, float, float] | None:
    """Union of the loose (font-height) boxes of a word's first and last characters.

    Loose boxes span the font's ascent to descent, so every word on a line gets the same
    height, as pdfplumber's do; two calls per word instead of one per character.
    """
    boxes = []
    for i in {first, last}:
        try:
            boxes.append(textpage.get_charbox(i, loose=True))
        except Exception:  # PDFium has no box for some generated characters
            continue
    if not boxes:
        return None
    x0, y0, x1, y1 = union(boxes)
    if x1 <= x0 and y1 <= y0:
        return None
    return x0, y0, x1, y1


def _rotate(
    rect: tuple[float, float, float, float], rotation: int, width: float, height: float
) -> tuple[float, float, float, float]:
    """A top-left box on the unrotated page moved onto the page as displayed."""
    x0, y0, x1, y1 = rect
    rotation %= 360
    if rotation == 90:
        return height - y1, x0, height - y0, x1
    if rotation == 180:
        return width - x1, height - y1, width - x0, height - y0
    if rotation == 270:
        return y0, width - x1, y1, width - x0
    return rect


class PdfplumberTextLayer:
    """Reads words with pdfplumber (the reference implementation; ~90 ms a page)."""

    def __init__(self, data: bytes) -> None:
        import io

        import pdfplumber

        self._pdf = pdfplumber.open(io.BytesIO(data))

    def words(self, index: int) -> list[Word]:
        """Words of page ``index``, boxes in points from the top-left of the page."""
        page = self._pdf.pages[index]
        x_off, y_off = page.bbox[0], page.bbox[1]
        return [
            Word(
                text=w["text"],
                bbox=(w["x0"] - x_off, w["top"] - y_off, w["x1"] - x_off, w["bottom"] - y_off),
            )
            for w in page.extract_words(keep_blank_chars=False, use_text_flow=True)
        ]

    def close(self) -> None:
        """Close the underlying file."""
        self._pdf.close()
