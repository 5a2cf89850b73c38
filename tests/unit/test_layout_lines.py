"""Rows and segments: words grouped by baseline, split at wide gaps and rulings.

Also holds ``place`` and ``blank_image``, the small page-building helpers the other
layout unit tests import: words placed by hand and graphics drawn with OpenCV.
"""

from __future__ import annotations

import numpy as np

from idp.datamodel import Page, PageSource, Word
from idp.layout.lines import group_rows, split_segments

PAGE_W, PAGE_H = 595.0, 842.0
PX = 2.0
"""Image pixels per point for the drawn test pages (144 dpi, as the reading stage renders)."""


def place(
    text: str, x: float, y: float, size: float = 10.0, confidence: float = 1.0
) -> list[Word]:
    """Words of ``text`` set from ``(x, y)`` (top-left) like a proportional font would."""
    words = []
    for token in text.split():
        width = 0.52 * size * len(token)
        words.append(Word(text=token, bbox=(x, y, x + width, y + size), confidence=confidence))
        x += width + 0.28 * size
    return words


def make_page(words: list[Word], source: PageSource = PageSource.TEXT_LAYER) -> Page:
    """An A4 page in points holding ``words``."""
    return Page(number=1, width=PAGE_W, height=PAGE_H, source=source, words=words)


def blank_image() -> np.ndarray:
    """A white grayscale page image at ``PX`` pixels per point."""
    return np.full((round(PAGE_H * PX), round(PAGE_W * PX)), 255, np.uint8)


def px(v: float) -> int:
    """A length or coordinate in points as image pixels."""
    return round(v * PX)


def test_words_on_one_baseline_form_one_row_left_to_right() -> None:
    words = place("World", 200, 100) + place("Hello", 100, 101) + place("Below", 100, 130)
    rows = group_rows(words)
    assert [[words[i].text for i in r.word_ids] for r in rows] == [["Hello", "World"], ["Below"]]


def test_a_taller_word_does_not_chain_two_rows() -> None:
    words = place("Big", 100, 100, size=24) + place("top", 200, 100) + place("low", 200, 116)
    rows = group_rows(words)
    assert len(rows) == 2


def test_wide_gap_splits_a_row_into_segments() -> None:
    words = place("Name: Jane Smith", 50, 100) + place("Date: 03/03/1985", 320, 100)
    rows = group_rows(words)
    segments = split_segments(rows, words)
    assert [s.text for s in segments] == ["Name: Jane Smith", "Date: 03/03/1985"]


def test_word_spacing_does_not_split() -> None:
    words = place("I declare that the information is correct", 50, 100)
    assert len(split_segments(group_rows(words), words)) == 1


def test_vertical_ruling_splits_close_words() -> None:
    words = place("Surname", 50, 100) + place("Smith", 92, 100)
    rows = group_rows(words)
    assert len(split_segments(rows, words)) == 1
    rule = (89.0, 90.0, 90.0, 120.0)
    assert len(split_segments(rows, words, vertical_rulings=[rule])) == 2
