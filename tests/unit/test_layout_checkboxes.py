"""Tick boxes: drawn boxes (empty, ticked, crossed, filled) on clean and spoilt images,
and box glyphs in a text layer."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from idp.datamodel import PageSource, Word
from idp.layout import analyse_page
from idp.layout.checkboxes import (
    FoundBox,
    find_glyph_checkboxes,
    find_image_checkboxes,
    merge_boxes,
    split_glyph_prefixes,
)
from idp.layout.rulings import prepare_image
from tests.unit.test_layout_lines import PX, blank_image, make_page, place, px

MARKS = ("empty", "tick", "cross", "fill", "scribble")


def draw_box(
    img: np.ndarray, x: float, y: float, side: float, mark: str, rng: random.Random
) -> None:
    """A box outline at (x, y) points with ``mark`` inside, drawn like a pen would."""
    x0, y0, x1, y1 = px(x), px(y), px(x + side), px(y + side)
    cv2.rectangle(img, (x0, y0), (x1, y1), 0, 2)  # a 1 pt line
    s = x1 - x0

    def j() -> int:
        return round(rng.uniform(-0.08, 0.08) * s)

    pen = (30,)
    width = max(2, px(1.3))
    if mark == "tick":
        mid = (x0 + int(0.4 * s) + j(), y0 + int(0.85 * s) + j())
        cv2.line(img, (x0 + int(0.12 * s) + j(), y0 + int(0.5 * s) + j()), mid, pen, width)
        cv2.line(img, mid, (x1 + int(0.05 * s) + j(), y0 - int(0.1 * s) + j()), pen, width)
    elif mark == "cross":
        a, b = int(0.15 * s), int(0.85 * s)
        cv2.line(img, (x0 + a + j(), y0 + a + j()), (x0 + b + j(), y0 + b + j()), pen, width)
        cv2.line(img, (x0 + b + j(), y0 + a + j()), (x0 + a + j(), y0 + b + j()), pen, width)
    elif mark == "fill":
        m = px(1.6)
        cv2.rectangle(img, (x0 + m, y0 + m), (x1 - m, y1 - m), 0, -1)
    elif mark == "scribble":
        pts = np.array([[x0 + rng.randint(2, s - 2), y0 + rng.randint(2, s - 2)] for _ in range(5)])
        cv2.polylines(img, [pts], False, pen, width)


def spoil(img: np.ndarray, rng: random.Random, skew: float) -> tuple[np.ndarray, np.ndarray]:
    """Skew, blur, Gaussian noise and JPEG, as a scanner would; and the skew's matrix."""
    h, w = img.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), skew, 1.0)
    out = cv2.warpAffine(img, m, (w, h), borderValue=255)
    out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.3, 0.8))
    noise = np.random.default_rng(rng.randint(0, 999)).normal(0, rng.uniform(3, 14), out.shape)
    out = np.clip(out.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, rng.choice([50, 70, 90])])
    assert ok
    decoded = cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)
    assert decoded is not None
    return np.asarray(decoded), np.asarray(m)


def moved(
    truth: list[tuple[float, float, float, bool]], m: np.ndarray
) -> list[tuple[float, float, float, bool]]:
    """Truth boxes carried along by the skew ``m`` (pixel matrix, boxes in points)."""
    out = []
    for x, y, side, checked in truth:
        cx, cy = (x + side / 2) * PX, (y + side / 2) * PX
        nx, ny = m @ np.array([cx, cy, 1.0])
        out.append((nx / PX - side / 2, ny / PX - side / 2, side, checked))
    return out


def _grid(rng: random.Random) -> tuple[np.ndarray, list[tuple[float, float, float, bool]]]:
    img = blank_image()
    truth: list[tuple[float, float, float, bool]] = []
    for row in range(8):
        for col in range(5):
            side = rng.uniform(8, 14)
            x, y = 80.0 + col * 95, 120.0 + row * 70
            mark = rng.choice(MARKS)
            draw_box(img, x, y, side, mark, rng)
            truth.append((x, y, side, mark != "empty"))
    return img, truth


def _states(img: np.ndarray, scanned: bool) -> list[tuple[float, float, bool]]:
    pimg = prepare_image(img, 595.0, 1.0, scanned=scanned)
    return [(b.bbox[0], b.bbox[1], b.checked) for b in find_image_checkboxes(pimg)]


def _score(
    found: list[tuple[float, float, bool]], truth: list[tuple[float, float, float, bool]]
) -> float:
    right = 0
    for x, y, side, checked in truth:
        near = [c for fx, fy, c in found if abs(fx - x) < side / 2 and abs(fy - y) < side / 2]
        right += len(near) == 1 and near[0] == checked
    return right / len(truth)


def test_clean_drawn_boxes_all_right() -> None:
    img, truth = _grid(random.Random(1))
    assert _score(_states(img, scanned=False), truth) == 1.0


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_spoilt_scans_states_at_least_99_percent(seed: int) -> None:
    rng = random.Random(seed)
    img, truth = _grid(rng)
    scan, m = spoil(img, rng, skew=rng.uniform(-3, 3))
    # The skew is left in on purpose: the reading stage deskews, but not always exactly.
    assert _score(_states(scan, scanned=True), moved(truth, m)) >= 0.99


def test_letters_are_not_boxes() -> None:
    """Body text and bold headings in real fonts make no boxes: a bold "o" can look like
    a box on its own, but it lies inside a word the text layer or OCR knows."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.fromarray(blank_image())
    draw = ImageDraw.Draw(image)
    words = []
    specs = [("DejaVuSans.ttf", 10), ("DejaVuSans-Bold.ttf", 11.5), ("DejaVuSans-Bold.ttf", 16)]
    for k, (name, size) in enumerate(specs):
        font = ImageFont.truetype(f"/usr/share/fonts/truetype/dejavu/{name}", px(size))
        top = 100 + k * 60
        x = 50.0
        for token in ["Home", "office", "ODD", "poor", "0800", "DOB", "bob", "qDpO"]:
            draw.text((px(x), px(top)), token, 0, font)
            x0, y0, x1, y1 = draw.textbbox((px(x), px(top)), token, font)
            words.append(Word(text=token, bbox=(x0 / PX, y0 / PX, x1 / PX, y1 / PX)))
            x = x1 / PX + size * 0.3
    for source in (PageSource.TEXT_LAYER, PageSource.OCR):
        page = make_page([w.model_copy() for w in words], source)
        page.dpi = 72.0  # page units are points here, whatever the source
        analyse_page(page, np.asarray(image), use_model=False)
        assert page.checkboxes == []


def test_label_is_the_text_right_of_the_box() -> None:
    img = blank_image()
    rng = random.Random(5)
    draw_box(img, 100, 200, 9, "tick", rng)
    draw_box(img, 200, 200, 9, "empty", rng)
    words = place("Yes", 113, 199) + place("No", 213, 199)
    page = make_page(words)
    analyse_page(page, img)
    got = sorted((c.label, c.checked) for c in page.checkboxes)
    assert got == [("No", False), ("Yes", True)]
    assert all(c.confidence >= 0.9 for c in page.checkboxes)


def test_glyphs_in_the_text_layer() -> None:
    words = (
        place("☐ Email", 50, 100)
        + place("☒ Phone", 150, 100)
        + place("[x] Post", 250, 100)
        + place("[ ] Fax", 350, 100)
    )
    found = find_glyph_checkboxes(words)
    assert [f.checked for f in found] == [False, True, True, False]
    page = make_page(words)
    analyse_page(page, None)
    assert sorted((c.label, c.checked) for c in page.checkboxes) == [
        ("Email", False),
        ("Fax", False),
        ("Phone", True),
        ("Post", True),
    ]


def test_glyph_glued_to_its_label_is_split() -> None:
    words = split_glyph_prefixes([Word(text="☑Agree", bbox=(50, 100, 90, 110))])
    assert [w.text for w in words] == ["☑", "Agree"]
    page = make_page([Word(text="☑Agree", bbox=(50, 100, 90, 110))])
    analyse_page(page, None)
    assert [(c.label, c.checked) for c in page.checkboxes] == [("Agree", True)]


def test_ocr_reading_of_a_box_is_trimmed_from_its_label() -> None:
    img = blank_image()
    draw_box(img, 100, 200, 9, "cross", random.Random(6))
    # Tesseract glued the box to the label: "[]Retired" starting at the box.
    words = [Word(text="[]Retired", bbox=(100, 199, 150, 210), confidence=0.7)]
    page = make_page(words, source=PageSource.OCR)
    page.dpi = 72.0
    analyse_page(page, img)
    assert [(c.label, c.checked) for c in page.checkboxes] == [("Retired", True)]
    assert [w.text for w in page.words] == ["Retired"]


def test_scan_units_are_pixels() -> None:
    """On an OCR page the page unit is a pixel; boxes come back in pixels."""
    img, truth = _grid(random.Random(7))
    page = make_page([], source=PageSource.OCR)
    page.width, page.height, page.dpi = float(img.shape[1]), float(img.shape[0]), 72.0 * PX
    analyse_page(page, img, use_model=False)
    found = [(c.bbox[0] / PX, c.bbox[1] / PX, c.checked) for c in page.checkboxes]
    assert _score(found, truth) == 1.0


def test_box_read_as_letters_or_a_bracket_is_dropped_from_labels() -> None:
    img = blank_image()
    rng = random.Random(8)
    draw_box(img, 100, 200, 9, "fill", rng)
    draw_box(img, 200, 200, 9, "empty", rng)
    # "DJPhone": the box read as two letters glued to the label; "]" then "Post".
    words = [
        Word(text="DJPhone", bbox=(100, 199, 140, 210), confidence=0.6),
        Word(text="]", bbox=(206, 199, 210, 210), confidence=0.4),
        Word(text="Post", bbox=(213, 199, 235, 210), confidence=0.9),
    ]
    page = make_page(words, source=PageSource.OCR)
    page.dpi = 72.0
    analyse_page(page, img, use_model=False)
    assert sorted((c.label, c.checked) for c in page.checkboxes) == [
        ("Phone", True), ("Post", False)
    ]


def _drawn(x: float, checked: bool = False) -> FoundBox:
    return FoundBox((x, 100.0, x + 40.0, 140.0), checked=checked, confidence=0.9)


def test_box_ocr_read_as_a_word_of_its_own_size_stays_a_box() -> None:
    """Tesseract read an empty box as 'LI' at confidence 0.8: a word no wider than the
    box is the box's reading, not a word the box is a letter of."""
    words = [Word(text="LI", bbox=(100, 101, 142, 141), confidence=0.8),
             Word(text="Student", bbox=(160, 104, 323, 137), confidence=0.96)]
    assert merge_boxes([], [_drawn(100)], words, ocr=True) == [_drawn(100)]


def test_first_letter_of_a_capitalised_word_is_not_a_box() -> None:
    """A bold 'D' starting 'Declaration' (read at 0.79) looks like a filled square."""
    words = [Word(text="Declaration", bbox=(101, 96, 402, 151), confidence=0.79)]
    assert merge_boxes([], [_drawn(100, checked=True)], words, ocr=True) == []
    # an empty box glued to its label and read as letters is still a box
    for text in ("DJPhone", "Clinwork"):
        glued = [Word(text=text, bbox=(101, 96, 260, 141), confidence=0.6)]
        assert merge_boxes([], [_drawn(100)], glued, ocr=True) == [_drawn(100)]
