"""Where everything goes: a ``FormSpec`` laid out as pages of drawing items plus positioned truth.

Coordinates are PDF points on an A4 page with the origin at the top-left (y grows down);
``render`` flips them for reportlab. Truth boxes are stored relative to the page (0–1), the
way the record contract gives boxes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from tests.synthetic.spec import FieldSpec, FormSpec

PAGE_W, PAGE_H = 595.28, 841.89
MARGIN = 50.0
CONTENT_W = PAGE_W - 2 * MARGIN
BOX = 9.0
"""Side of a checkbox square, in points."""
OPTION_ROW = 17.0
INK = (0.0, 0.0, 0.0)
PEN = (0.08, 0.12, 0.42)

FONT_FILES = {
    "DejaVuSans": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "DejaVuSans-Bold": "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "DejaVuSerif": "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "LiberationSans": "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "LiberationSerif": "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
}


@cache
def register_fonts() -> None:
    """Register the TrueType fonts with reportlab once (they are embedded in every PDF)."""
    for name, path in FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, path))


@cache
def _font_metrics(font: str) -> tuple[float, float, frozenset[int]]:
    register_fonts()
    face = pdfmetrics.getFont(font).face
    return face.ascent / 1000.0, -face.descent / 1000.0, frozenset(face.charToGlyph)


def font_for(text: str, font: str) -> str:
    """``font`` if it has a glyph for every character of ``text``, else DejaVu Sans."""
    covered = _font_metrics(font)[2]
    return font if all(ord(c) in covered or c == " " for c in text) else "DejaVuSans"


def text_width(text: str, font: str, size: float) -> float:
    """Advance width of ``text`` in points."""
    register_fonts()
    return float(pdfmetrics.stringWidth(text, font, size))


@dataclass
class TextItem:
    x: float
    baseline: float
    text: str
    font: str
    size: float
    color: tuple[float, float, float] = INK


@dataclass
class LineItem:
    x0: float
    y0: float
    x1: float
    y1: float
    width: float = 0.8
    color: tuple[float, float, float] = INK


@dataclass
class RectItem:
    x0: float
    y0: float
    x1: float
    y1: float
    width: float = 0.8
    fill: bool = False
    color: tuple[float, float, float] = INK


@dataclass
class PathItem:
    """A pen stroke: a start point then cubic Bézier segments ``(c1x, c1y, c2x, c2y, x, y)``."""

    start: tuple[float, float]
    segments: list[tuple[float, float, float, float, float, float]]
    width: float = 1.2
    color: tuple[float, float, float] = PEN


Item = TextItem | LineItem | RectItem | PathItem


@dataclass
class PagePlan:
    """One page: what to draw and what a perfect reading of it would report."""

    number: int
    items: list[Item] = field(default_factory=list)
    key_values: list[dict[str, Any]] = field(default_factory=list)
    checkboxes: list[dict[str, Any]] = field(default_factory=list)
    signatures: list[dict[str, Any]] = field(default_factory=list)
    tables: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class FormPlan:
    """A laid-out form: its pages and where each schema field was printed."""

    spec: FormSpec
    pages: list[PagePlan]
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)


def rel(box: tuple[float, float, float, float]) -> list[float]:
    """A points box as page fractions rounded to 4 places."""
    x0, y0, x1, y1 = box
    return [round(x0 / PAGE_W, 4), round(y0 / PAGE_H, 4), round(x1 / PAGE_W, 4),
            round(y1 / PAGE_H, 4)]


UNDER_LINE_STYLES = ("printed_under", "drawn_over_name")
"""Signature styles that print the signatory's name under the line."""


class _Builder:
    """Places items top to bottom, breaking pages, and records the truth as it goes."""

    def __init__(self, spec: FormSpec) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed + "-layout")
        self.pages = [PagePlan(1)]
        self.y = MARGIN
        self.fields: dict[str, dict[str, Any]] = {}
        self.label_size = 10.0
        self.value_size = 11.0

    @property
    def page(self) -> PagePlan:
        return self.pages[-1]

    def new_page(self) -> None:
        self.pages.append(PagePlan(len(self.pages) + 1))
        self.y = MARGIN

    def ensure(self, height: float) -> None:
        if self.y + height > PAGE_H - MARGIN:
            self.new_page()

    # -- primitives -------------------------------------------------------------------------
    def text(
        self, x: float, baseline: float, text: str, font: str, size: float,
        color: tuple[float, float, float] = INK,
    ) -> tuple[float, float, float, float]:
        font = font_for(text, font)
        ascent, descent, _ = _font_metrics(font)
        self.page.items.append(TextItem(x, baseline, text, font, size, color))
        return (x, baseline - ascent * size, x + text_width(text, font, size),
                baseline + descent * size)

    def fit(self, text: str, font: str, size: float, max_w: float, min_size: float = 6.5) -> float:
        """The largest size ≤ ``size`` at which ``text`` fits ``max_w``."""
        while size > min_size and text_width(text, font_for(text, font), size) > max_w:
            size -= 0.25
        return size

    # -- content: what goes where a value goes ---------------------------------------------
    def content_extent(self, f: FieldSpec, width: float) -> tuple[float, float]:
        """(height above the first baseline, height below it) for ``f`` in ``width``."""
        if f.kind == "signature":
            return 24.0, 16.0 if f.style in UNDER_LINE_STYLES else 4.0
        if f.kind == "choice":
            rows = len(self._option_rows(f, width))
            return BOX, 4.0 + (rows - 1) * OPTION_ROW
        ascent, descent, _ = _font_metrics(font_for(f.text, self.spec.value_font))
        return ascent * self.value_size, descent * self.value_size

    def _option_width(self, label: str) -> float:
        return BOX + 4 + text_width(label, font_for(label, self.spec.label_font), self.label_size)

    def _option_rows(self, f: FieldSpec, width: float) -> list[list[tuple[str, str]]]:
        rows: list[list[tuple[str, str]]] = [[]]
        used = 0.0
        for option in f.options:
            w = self._option_width(option[1])
            if rows[-1] and used + w > width:
                rows.append([])
                used = 0.0
            rows[-1].append(option)
            used += w + 16
        return rows

    def draw_content(self, f: FieldSpec, x: float, baseline: float, width: float,
                     underline: bool = False) -> tuple[float, float, float, float] | None:
        """Draw ``f``'s value with its first baseline at ``baseline``; the value's box."""
        if f.kind == "signature":
            return self._signature(f, x, baseline, min(width, 210.0))
        if f.kind == "choice":
            return self._choices(f, x, baseline, width)
        box = self.text(x, baseline, f.text, self.spec.value_font, self.value_size)
        if underline:
            self.page.items.append(LineItem(x - 2, baseline + 3.5, x + width, baseline + 3.5, 0.5))
        return box

    def _choices(self, f: FieldSpec, x: float, baseline: float,
                 width: float) -> tuple[float, float, float, float] | None:
        ticked_box = None
        for r, row in enumerate(self._option_rows(f, width)):
            ox = x
            b = baseline + r * OPTION_ROW
            for member, label in row:
                sq = (ox, b - BOX + 1, ox + BOX, b + 1)
                self.page.items.append(RectItem(*sq, width=0.7))
                checked = member == f.value
                if checked:
                    self._mark(sq)
                lbox = self.text(ox + BOX + 4, b, label, self.spec.label_font, self.label_size)
                self.page.checkboxes.append({
                    "group": f.label, "label": label, "member": member, "checked": checked,
                    "bbox": rel(sq), "label_bbox": rel(lbox), "mark": self.spec.mark_style
                    if checked else None,
                })
                if checked:
                    ticked_box = lbox
                ox += self._option_width(label) + 16
        return ticked_box

    def _mark(self, sq: tuple[float, float, float, float]) -> None:
        x0, y0, x1, y1 = sq
        s = x1 - x0

        def j() -> float:
            return self.rng.uniform(-0.08, 0.08) * s

        style = self.spec.mark_style
        if style == "fill":
            self.page.items.append(RectItem(x0 + 1.6, y0 + 1.6, x1 - 1.6, y1 - 1.6, 0, fill=True))
        elif style == "cross":
            self.page.items.append(LineItem(x0 + 0.15 * s + j(), y0 + 0.15 * s + j(),
                                            x1 - 0.15 * s + j(), y1 - 0.15 * s + j(), 1.3, PEN))
            self.page.items.append(LineItem(x1 - 0.15 * s + j(), y0 + 0.15 * s + j(),
                                            x0 + 0.15 * s + j(), y1 - 0.15 * s + j(), 1.3, PEN))
        else:
            mid = (x0 + 0.4 * s + j(), y0 + 0.85 * s + j())
            self.page.items.append(LineItem(x0 + 0.12 * s + j(), y0 + 0.5 * s + j(), *mid, 1.4,
                                            PEN))
            self.page.items.append(LineItem(*mid, x1 + 0.05 * s + j(), y0 - 0.1 * s + j(), 1.4,
                                            PEN))

    def _signature(self, f: FieldSpec, x: float, baseline: float,
                   width: float) -> tuple[float, float, float, float]:
        line_y = baseline + 2
        self.page.items.append(LineItem(x, line_y, x + width, line_y, 0.6))
        area = (x, baseline - 24, x + width, line_y + 2)
        if f.style:
            self._styled_signature(f.style, area, line_y)
        elif f.value:
            self._scribble(area)
        self.page.signatures.append({"label": f.label, "signed": bool(f.value),
                                     "bbox": rel(area)})
        return area

    def _styled_signature(self, style: str, area: tuple[float, float, float, float],
                          line_y: float) -> None:
        """What a signature line shows other than the plain drawn mark or nothing."""
        x0, y0, x1, _ = area
        name = f"{self.spec.fields['first_name'].text} {self.spec.fields['last_name'].text}"
        font, size = self.spec.value_font, self.value_size
        if style == "drawn":
            self._scribble(area)
        elif style == "printed_name":
            self.text(x0 + self.rng.uniform(2, 20), line_y - 3, name, font, size)
        elif style == "printed_under":
            self.text(x0 + self.rng.uniform(0, 20), line_y + 12, name, font, size - 2)
        elif style == "drawn_over_name":
            self._scribble(area)
            self.text(x0 + self.rng.uniform(0, 20), line_y + 12, name, font, size - 2)
        elif style == "typed_s":
            self.text(x0 + self.rng.uniform(2, 20), line_y - 3, f"/s/ {name}", font, size)
        elif style == "stamp":
            red = (0.75, 0.1, 0.12)
            sx = x0 + self.rng.uniform(10, 60)
            word = self.rng.choice(("RECEIVED", "COPY", "SCANNED", "CHECKED"))
            w = text_width(word, "DejaVuSans", 11) + 14
            self.page.items.append(RectItem(sx, y0 + 1, sx + w, line_y + 4, 1.6, color=red))
            self.text(sx + 7, y0 + 17, word, "DejaVuSans", 11, color=red)
        elif style != "empty":
            raise ValueError(f"unknown signature style {style!r}")

    def _scribble(self, area: tuple[float, float, float, float]) -> None:
        x0, y0, x1, y1 = area
        rng = self.rng
        x = x0 + rng.uniform(5, 30)
        end = x0 + rng.uniform(0.45, 0.85) * (x1 - x0)
        for _ in range(rng.randint(1, 3)):
            start = (x, rng.uniform(y0 + 6, y1 - 4))
            segments = []
            px = x
            for _ in range(rng.randint(3, 6)):
                nx = min(px + rng.uniform(12, 35), end)
                segments.append((
                    px + rng.uniform(-8, 15), rng.uniform(y0, y1),
                    nx + rng.uniform(-15, 8), rng.uniform(y0, y1),
                    nx, rng.uniform(y0 + 5, y1 - 3),
                ))
                px = nx
            self.page.items.append(PathItem(start, segments, rng.uniform(0.8, 1.6)))
            x = min(px, end - 20)

    # -- truth ------------------------------------------------------------------------------
    def record(self, f: FieldSpec, label_box: tuple[float, float, float, float],
               value_box: tuple[float, float, float, float] | None, relation: str) -> None:
        self.fields[f.name] = {
            "label": f.label, "text": f.text, "value": f.value, "page": self.page.number,
            "label_bbox": rel(label_box), "value_bbox": rel(value_box) if value_box else None,
        }
        if f.kind == "signature":
            return
        self.page.key_values.append({
            "key": f.label, "value": f.text, "field": f.name,
            "relation": "checkbox" if f.kind == "choice" else relation,
            "key_bbox": rel(label_box), "value_bbox": rel(value_box) if value_box else None,
        })
