"""The five ways a form places labels and values, and ``plan_form`` that lays out a whole form.

- ``inline``: ``Label: value`` on one line.
- ``stacked``: the label, and the value on an underlined line below it.
- ``boxed``: ruled boxes, the label small in the top-left corner and the value inside.
- ``table``: a two-column ruled table, label cell | value cell.
- ``two_column``: two label/value columns side by side (long fields span the page).
"""

from __future__ import annotations

from collections.abc import Callable

from tests.synthetic.layouts import (
    CONTENT_W,
    MARGIN,
    PAGE_W,
    FormPlan,
    LineItem,
    RectItem,
    _Builder,
    _font_metrics,
    font_for,
    rel,
    text_width,
)
from tests.synthetic.spec import FieldSpec, FormSpec

_LONG_FIELDS = {"address", "email", "employment_status", "contact_method"}


def _label_extent(b: _Builder, label: str, size: float) -> tuple[float, float]:
    ascent, descent, _ = _font_metrics(font_for(label, b.spec.label_font))
    return ascent * size, descent * size


def _inline(b: _Builder, f: FieldSpec, x: float = MARGIN, width: float = CONTENT_W,
            tab: float | None = None, colon: bool = True) -> float:
    """``Label: value`` (or label then value at ``tab``) starting at ``x``; returns row height."""
    label = f.label + (":" if colon else "")
    size = b.fit(label, b.spec.label_font, b.label_size, width * 0.55)
    lw = text_width(label, font_for(label, b.spec.label_font), size)
    vx = x + (tab if tab is not None and lw + 8 <= tab else lw + 6)
    up, down = b.content_extent(f, x + width - vx)
    la, ld = _label_extent(b, label, size)
    baseline = b.y + max(up, la)
    lbox = b.text(x, baseline, label, b.spec.label_font, size)
    if colon:  # the key as printed has no colon; its box ends before it
        lbox = (lbox[0], lbox[1], lbox[2] - text_width(":", font_for(label, b.spec.label_font),
                                                       size), lbox[3])
    vbox = b.draw_content(f, vx, baseline, x + width - vx)
    b.record(f, lbox, vbox, "right")
    return max(up, la) + max(down, ld)


def _stacked(b: _Builder, f: FieldSpec) -> float:
    size = b.fit(f.label, b.spec.label_font, 9.0, CONTENT_W)
    la, ld = _label_extent(b, f.label, size)
    lbox = b.text(MARGIN, b.y + la, f.label, b.spec.label_font, size)
    up, down = b.content_extent(f, CONTENT_W)
    baseline = b.y + la + ld + 5 + up
    width = CONTENT_W if f.name in _LONG_FIELDS else CONTENT_W * 0.55
    vbox = b.draw_content(f, MARGIN + 2, baseline, width, underline=True)
    b.record(f, lbox, vbox, "below")
    return baseline + down + 3.5 - b.y


def _boxed_row(b: _Builder, fields: list[FieldSpec]) -> float:
    gap = 8.0
    width = (CONTENT_W - gap * (len(fields) - 1)) / len(fields)
    sizes = [b.fit(f.label, b.spec.label_font, 7.5, width - 8) for f in fields]
    label_h = max(sum(_label_extent(b, f.label, s)) for f, s in zip(fields, sizes, strict=True))
    extents = [b.content_extent(f, width - 10) for f in fields]
    height = 3 + label_h + 5 + max(u + d for u, d in extents) + 5
    b.ensure(height)
    for i, (f, size, (up, _down)) in enumerate(zip(fields, sizes, extents, strict=True)):
        x0 = MARGIN + i * (width + gap)
        b.page.items.append(RectItem(x0, b.y, x0 + width, b.y + height, 0.8))
        la, _ = _label_extent(b, f.label, size)
        lbox = b.text(x0 + 4, b.y + 3 + la, f.label, b.spec.label_font, size)
        vbox = b.draw_content(f, x0 + 6, b.y + 3 + label_h + 5 + up, width - 10)
        b.record(f, lbox, vbox, "inside")
    return height


def _table_rows(b: _Builder, fields: list[FieldSpec]) -> None:
    label_w = 215.0 if b.spec.language == "cy+en" else 170.0
    x0, xm, x1 = MARGIN, MARGIN + label_w, MARGIN + CONTENT_W
    for f in fields:
        size = b.fit(f.label, b.spec.label_font, 9.5, label_w - 8)
        la, ld = _label_extent(b, f.label, size)
        up, down = b.content_extent(f, x1 - xm - 10)
        height = max(up, la) + max(down, ld) + 10
        b.ensure(height)
        top = b.y
        for item in (
            LineItem(x0, top, x1, top), LineItem(x0, top + height, x1, top + height),
            LineItem(x0, top, x0, top + height), LineItem(xm, top, xm, top + height),
            LineItem(x1, top, x1, top + height),
        ):
            b.page.items.append(item)
        baseline = top + 5 + max(up, la)
        lbox = b.text(x0 + 4, baseline, f.label, b.spec.label_font, size)
        vbox = b.draw_content(f, xm + 5, baseline, x1 - xm - 10)
        b.record(f, lbox, vbox, "cell")
        b.y += height
    b.y += 8


def _pairs(fields: list[FieldSpec]) -> list[list[FieldSpec]]:
    """Short fields two to a row, long ones alone."""
    rows: list[list[FieldSpec]] = []
    for f in fields:
        if f.name in _LONG_FIELDS:
            rows.append([f])
        elif rows and len(rows[-1]) == 1 and rows[-1][0].name not in _LONG_FIELDS:
            rows[-1].append(f)
        else:
            rows.append([f])
    return rows


def _place_fields(b: _Builder, fields: list[FieldSpec]) -> None:
    arrangement = b.spec.arrangement
    if arrangement == "table":
        _table_rows(b, fields)
        return
    if arrangement == "boxed":
        for row in _pairs(fields):
            b.y += _boxed_row(b, row) + 6
        b.y += 4
        return
    if arrangement == "two_column":
        half = (CONTENT_W - 20) / 2
        for row in _pairs(fields):
            b.ensure(40)
            if len(row) == 1:
                b.y += _inline(b, row[0], tab=110, colon=False) + 10
                continue
            start = b.y
            heights = []
            for i, f in enumerate(row):
                b.y = start
                heights.append(_inline(b, f, MARGIN + i * (half + 20), half, tab=100,
                                       colon=False))
            b.y = start + max(heights) + 10
        return
    for f in fields:
        b.ensure(40)
        if arrangement == "stacked":
            b.y += _stacked(b, f) + 9
        else:
            b.y += _inline(b, f) + 9


def _heading(b: _Builder, text: str) -> None:
    b.ensure(60)
    b.y += 6
    size = b.fit(text, "DejaVuSans-Bold", 11.5, CONTENT_W)
    b.text(MARGIN, b.y + 11, text, "DejaVuSans-Bold", size)
    b.page.items.append(LineItem(MARGIN, b.y + 15, MARGIN + CONTENT_W, b.y + 15, 0.4))
    b.y += 24


def _household_table(b: _Builder) -> None:
    spec = b.spec
    rows = [spec.household_header, *spec.household_rows]
    while len(rows) < 4:
        rows.append(("", "", ""))
    widths = (190.0, 130.0, 60.0)
    row_h = 17.0
    b.ensure(row_h * len(rows) + 10)
    top = b.y
    xs = [MARGIN]
    for w in widths:
        xs.append(xs[-1] + w)
    for r, row in enumerate(rows):
        y = top + r * row_h
        for c, cell in enumerate(row):
            if cell:
                font = "DejaVuSans-Bold" if r == 0 else spec.value_font
                size = b.fit(cell, font, 8.5 if r == 0 else 9.5, widths[c] - 8)
                b.text(xs[c] + 4, y + 12, cell, font, size)
    bottom = top + row_h * len(rows)
    for r in range(len(rows) + 1):
        b.page.items.append(LineItem(xs[0], top + r * row_h, xs[-1], top + r * row_h, 0.6))
    for x in xs:
        b.page.items.append(LineItem(x, top, x, bottom, 0.6))
    b.page.tables.append({"bbox": rel((xs[0], top, xs[-1], bottom)), "n_rows": len(rows),
                          "n_cols": 3, "rows": [list(r) for r in rows]})
    b.y = bottom + 12


def _paragraph(b: _Builder, text: str, size: float = 9.0) -> None:
    words, line = text.split(), ""
    lines = []
    for w in words:
        trial = f"{line} {w}".strip()
        if line and text_width(trial, b.spec.label_font, size) > CONTENT_W:
            lines.append(line)
            line = w
        else:
            line = trial
    lines.append(line)
    b.ensure(len(lines) * size * 1.4 + 8)
    for ln in lines:
        b.text(MARGIN, b.y + size, ln, b.spec.label_font, size)
        b.y += size * 1.4
    b.y += 8


def plan_form(spec: FormSpec) -> FormPlan:
    """Lay ``spec`` out on A4 pages; deterministic for a given spec."""
    b = _Builder(spec)
    title_size = b.fit(spec.title, "DejaVuSans-Bold", 15, CONTENT_W)
    b.text(MARGIN, b.y + 15, spec.title, "DejaVuSans-Bold", title_size)
    b.y += 28
    ref = FieldSpec("reference", "Reference", spec.reference, spec.reference)
    ref_x = PAGE_W - MARGIN - 150
    b.y += _inline(b, ref, x=ref_x, width=150) + 8
    f = spec.fields
    sections: list[tuple[str, list[FieldSpec], Callable[[], None] | None]] = [
        (spec.sections[0], [f["first_name"], f["last_name"], f["date_of_birth"],
                            f["national_insurance_number"]], None),
        (spec.sections[1], [f["email"], f["phone"], f["address"], f["postcode"], spec.contact],
         None),
        (spec.sections[2], [f["employment_status"], f["monthly_income"], f["household_size"]],
         (lambda: _household_table(b)) if spec.household_table else None),
        (spec.sections[3], [f["declaration_signed"], f["application_date"]], None),
    ]
    for i, (heading, fields, after) in enumerate(sections):
        if i == 2 and spec.split_pages:
            b.new_page()
        _heading(b, heading)
        if i == 3:
            _paragraph(b, spec.declaration)
        _place_fields(b, fields)
        if after is not None:
            after()
    fields_truth = {k: v for k, v in b.fields.items() if k in spec.fields}
    return FormPlan(spec=spec, pages=b.pages, fields=fields_truth)
