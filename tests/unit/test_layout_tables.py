"""Tables: ruled grids from the image, unruled ones from aligned columns."""

from __future__ import annotations

import cv2

from idp.layout import analyse_page
from tests.unit.test_layout_lines import blank_image, make_page, place, px

HEADER = ("Name", "Relationship", "Age")
ROWS = [("Fatima Müller", "Partner", "48"), ("Seán Gómez", "Son", "12"), ("", "", "")]


def test_ruled_grid_becomes_rows_and_cells() -> None:
    img = blank_image()
    xs = [50, 240, 370, 430]
    words = []
    for r, row in enumerate([HEADER, *ROWS]):
        top = 300 + r * 17
        for c, text in enumerate(row):
            if text:
                words += place(text, xs[c] + 4, top + 4, size=9)
    for r in range(len(ROWS) + 2):
        cv2.line(img, (px(xs[0]), px(300 + r * 17)), (px(xs[-1]), px(300 + r * 17)), 0, 1)
    for x in xs:
        cv2.line(img, (px(x), px(300)), (px(x), px(300 + 17 * (len(ROWS) + 1))), 0, 1)
    page = make_page(words)
    analyse_page(page, img)
    assert len(page.tables) == 1
    table = page.tables[0]
    assert table.ruled
    assert (table.n_rows, table.n_cols) == (4, 3)
    assert table.rows() == [list(HEADER), *[list(r) for r in ROWS]]
    assert [b.type for b in page.blocks].count("table") == 1
    # A table of three columns yields no label/value pairs.
    assert page.key_values == []


def test_aligned_columns_without_rules() -> None:
    words = []
    lines = [
        ("Item", "Qty", "Price"),
        ("Apples", "3", "£1.20"),
        ("Pears", "12", "£4.80"),
        ("Plums", "7", "£2.10"),
    ]
    for r, row in enumerate(lines):
        for c, text in enumerate(row):
            words += place(text, 60 + c * 150, 200 + r * 15)
    page = make_page(words)
    analyse_page(page, None)
    assert len(page.tables) == 1
    table = page.tables[0]
    assert not table.ruled
    assert table.rows() == [list(r) for r in lines]


def test_label_value_rows_are_not_an_unruled_table() -> None:
    words = []
    for r, (label, value) in enumerate([("Name:", "Jane"), ("Phone:", "0123"), ("Town:", "Bala")]):
        words += place(label, 60, 200 + r * 15) + place(value, 200, 200 + r * 15)
    page = make_page(words)
    analyse_page(page, None)
    assert page.tables == []
    assert len(page.key_values) == 3
