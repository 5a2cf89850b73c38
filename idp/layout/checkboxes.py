"""Tick boxes: small hollow squares in the image, or box glyphs in the text layer.

A box in the image is found as a closed square outline made of short horizontal and
vertical strokes (a tick or a cross is diagonal, so the morphological opening that keeps
the outline drops the mark). Its state is the share of ink inside the outline once
specks of scan noise are removed; the threshold sits between an empty box (~0) and the
thinnest tick seen (~0.05).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from idp.datamodel import BBox, Checkbox, Word
from idp.geometry import overlaps, union
from idp.layout.lines import Row, Segment
from idp.layout.rulings import outer_boxes

if TYPE_CHECKING:
    import numpy as np

    from idp.layout.rulings import PageImage

MIN_SIDE_POINTS = 7.0
MAX_SIDE_POINTS = 26.0
FILL_THRESHOLD = 0.035
"""Share of the inner area that must be ink for a box to count as checked."""

CHECKED_GLYPHS = {"☑", "☒", "■", "▣", "[x]", "[X]", "[✓]", "[✔]", "(x)", "(X)", "✅"}
UNCHECKED_GLYPHS = {"☐", "□", "▢", "[ ]", "[]", "( )", "()"}
BOX_JUNK = "[](){}|_"
"""Characters Tesseract makes of a box's sides."""
BOX_AS_LETTERS = re.compile(r"^[A-Za-z0-9][A-Za-z]?[/|\\]?(?=[A-Z][a-zà-ÿ])")
"""One or two letters before a capitalised word: a box OCR read as "DJ" or "M/"."""
PREFIX_GLYPHS = {"☑", "☒", "☐", "□", "▢", "▣", "■"}


@dataclass
class FoundBox:
    """A checkbox before its label is known."""

    bbox: BBox
    checked: bool
    confidence: float
    fill: float = 0.0
    word_ids: tuple[int, ...] = ()
    """Text-layer words that make up the glyph (kept out of labels and values)."""
    label_segment: int | None = None


def split_glyph_prefixes(words: list[Word]) -> list[Word]:
    """Words with a box glyph glued to the label ("☐Yes") split into glyph and label.

    Keeps the text layer otherwise untouched; the glyph takes a square at the word's left.
    """
    out: list[Word] = []
    for w in words:
        t = w.text
        if len(t) > 1 and t[0] in PREFIX_GLYPHS:
            x0, y0, x1, y1 = w.bbox
            side = min(y1 - y0, (x1 - x0) / 2)
            out.append(Word(text=t[0], bbox=(x0, y0, x0 + side, y1), confidence=w.confidence))
            rest = (x0 + side * 1.2, y0, x1, y1)
            out.append(Word(text=t[1:].lstrip(), bbox=rest, confidence=w.confidence))
        else:
            out.append(w)
    return out


def find_glyph_checkboxes(words: list[Word]) -> list[FoundBox]:
    """Box glyphs in the text layer: ☐ ☑ ☒, "[x]", "[ ]" (also as the two words "[" "]")."""
    found: list[FoundBox] = []
    i = 0
    while i < len(words):
        t = words[i].text.strip()
        if t in CHECKED_GLYPHS or t in UNCHECKED_GLYPHS:
            found.append(
                FoundBox(words[i].bbox, t in CHECKED_GLYPHS, words[i].confidence, 0.0, (i,))
            )
        elif t == "[" and i + 1 < len(words):
            nxt = words[i + 1].text.strip()
            pair = [i, i + 1]
            if nxt.lower() in {"x", "✓", "✔"} and i + 2 < len(words) and words[i + 2].text == "]":
                pair.append(i + 2)
            elif nxt != "]":
                pair = []
            if pair:
                box = union([words[k].bbox for k in pair])
                checked = len(pair) == 3
                found.append(FoundBox(box, checked, words[i].confidence, 0.0, tuple(pair)))
                i = pair[-1]
        i += 1
    return found


def find_image_checkboxes(img: PageImage) -> list[FoundBox]:
    """Closed squares of tick-box size in the image, with their checked state.

    Candidates are pairs of short horizontal strokes of equal extent, one above the other
    about a side apart (or one solid square); only those get the costlier check of all
    four sides on a small patch. Opening the whole page in both directions and tracing
    every glyph stroke cost three times as much.
    """
    import cv2

    min_side = img.px(MIN_SIDE_POINTS)
    max_side = img.px(MAX_SIDE_POINTS)
    ink = img.ink
    k = max(3, int(min_side * 0.85))
    rect = cv2.MORPH_RECT
    closed = ink
    if img.scanned:
        # Closing 1-px breaks heals sides broken by noise and pinholes in a filled box; a
        # rendered page needs none, and closing its text would only make more bars.
        closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(rect, (3, 1)))
    horiz = cv2.morphologyEx(closed, cv2.MORPH_OPEN, cv2.getStructuringElement(rect, (k, 1)))
    bars = [b for b in outer_boxes(horiz) if min_side <= b[2] <= max_side * 1.15]
    # A bar is a side, possibly fused with the mark inside (then up to a whole square).
    bars = [b for b in bars if b[3] <= 1.33 * b[2]]
    bars.sort(key=lambda b: b[1])
    tops = [b[1] for b in bars]
    candidates: set[tuple[int, int, int, int]] = set()
    for n, (x, y, w, h) in enumerate(bars):
        if 0.75 * w <= h <= 1.33 * w:
            # One square shape: a box whose mark fused its sides together.
            candidates.add((x, y, w, h))
        # The other side starts below this one, at most a (generous) side further down.
        for x2, y2, w2, h2 in bars[n + 1 : bisect.bisect_right(tops, y + 1.4 * w + h)]:
            # Partners overlap most of each other's extent: a side broken by scan noise
            # leaves a shorter bar that still lies within the other.
            if min(x + w, x2 + w2) - max(x, x2) < 0.6 * max(w, w2):
                continue
            if abs(y2 + h2 - y - h) < 0.5 * w and abs(y2 - y) < 0.5 * w:
                continue  # the same stroke, not two sides
            by0, by1 = min(y, y2), max(y + h, y2 + h2)
            # Either bar may be too long (a tick running into a corner) or too short (a
            # broken side): try the extent of each and of both; the side check decides.
            for bx0, bx1 in {(min(x, x2), max(x + w, x2 + w2)), (x, x + w), (x2, x2 + w2)}:
                if 0.75 * (bx1 - bx0) <= by1 - by0 <= 1.33 * (bx1 - bx0):
                    candidates.add((bx0, by0, bx1 - bx0, by1 - by0))
    found: list[FoundBox] = []
    seen: list[tuple[int, int, int, int]] = []
    # Squarest first, so a box beats the taller candidate that includes a tick's overshoot.
    for x, y, w, h in sorted(candidates, key=lambda c: (abs(c[2] - c[3]), c[1], c[0])):
        if not (min_side <= w <= max_side and min_side <= h <= max_side):
            continue
        if any(_pixel_overlap((x, y, w, h), other) > 0.4 for other in seen):
            continue
        patch = ink[y : y + h, x : x + w]
        # The sides are checked on the raw ink: a mark inside stays clear of the border
        # strips, and a letter pair ("E", "=") lacks at least one side.
        if not _closed_square(patch):
            continue
        dense = cv2.countNonZero(patch) > 0.9 * w * h
        if dense and not _solid_square(closed[y : y + h, x : x + w]):
            continue  # a heavy letter ("e" in a bold title), not a filled-in box
        seen.append((x, y, w, h))
        thickness = _side_thickness(patch)
        fill = _inner_fill(patch, thickness)
        checked = fill >= FILL_THRESHOLD
        margin = abs(fill - FILL_THRESHOLD) / FILL_THRESHOLD
        confidence = round(min(0.99, 0.6 + 0.4 * min(1.0, margin)), 3)
        found.append(FoundBox(img.to_page(x, y, x + w, y + h), checked, confidence, fill))
    return found


def _solid_square(patch: np.ndarray) -> bool:
    """Every row and column ≥ 60 % inked (ragged edge rows aside): a filled box, not a
    bold letter with a gap in it."""
    on = patch[1:-1, 1:-1] > 0
    if on.size == 0:
        return False
    return bool(on.mean(axis=1).min() >= 0.6 and on.mean(axis=0).min() >= 0.6)


def _pixel_overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection over the smaller of two (x, y, w, h) boxes."""
    ix = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    iy = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if ix <= 0 or iy <= 0:
        return 0.0
    return ix * iy / min(a[2] * a[3], b[2] * b[3])


def _side_thickness(patch: np.ndarray) -> int:
    """Stroke width of the outline: ink rows at the top-middle of the box."""
    h, w = patch.shape
    col = patch[: h // 2, w // 2 - 1 : w // 2 + 2].max(axis=1) > 0
    n = 0
    for on in col:
        if not on:
            break
        n += 1
    return max(1, min(n, round(0.2 * min(w, h))))


def _closed_square(patch: np.ndarray) -> bool:
    """All four sides drawn as straight lines, with square corners.

    A side counts when some band of two rows (or columns) in its outer fifth is ≥ 80 %
    inked: two tolerate a 3° skew, and a round or bold letter has no such straight line.
    The middle may be inked: a box filled in as its mark fuses with its outline.
    """
    import numpy as np

    h, w = patch.shape
    if h < 4 or w < 4:
        return False
    on = patch > 0
    c = max(2, round(0.15 * min(w, h)))
    # Corners first: cheapest, and they reject most letter strokes at once.
    if not (on[:c, :c].any() and on[:c, -c:].any() and on[-c:, :c].any() and on[-c:, -c:].any()):
        return False
    t = max(2, round(0.2 * min(w, h)))
    # Share of each band of two adjacent rows (columns) that is inked, in the outer fifth
    # (bands never count more than the rows they join, so one row alone never exceeds).
    top = np.maximum(on[:t], on[1 : t + 1]).mean(axis=1).max()
    bottom = np.maximum(on[-t - 1 : -1], on[-t:]).mean(axis=1).max()
    left = np.maximum(on[:, :t], on[:, 1 : t + 1]).mean(axis=0).max()
    right = np.maximum(on[:, -t - 1 : -1], on[:, -t:]).mean(axis=0).max()
    return bool(min(top, bottom, left, right) >= 0.8)


def _inner_fill(ink_patch: np.ndarray, thickness: int) -> float:
    """Share of ink inside the outline, ignoring specks smaller than a pen stroke dot."""
    import cv2

    h, w = ink_patch.shape
    m = thickness + max(1, round(0.1 * min(w, h)))
    inner = ink_patch[m : h - m, m : w - m]
    if inner.size == 0:
        return 0.0
    n, _, stats, _ = cv2.connectedComponentsWithStats(inner, connectivity=8)
    speck = max(3, int(0.006 * inner.size))
    ink = sum(int(stats[k][4]) for k in range(1, n) if stats[k][4] >= speck)
    return ink / inner.size


def merge_boxes(
    glyphs: list[FoundBox], drawn: list[FoundBox], words: list[Word], ocr: bool = False
) -> list[FoundBox]:
    """Glyph boxes plus drawn boxes that are neither a glyph's rendering nor part of a word.

    A letter such as "ø" or a bold "a" can look like a small closed square; a real box is
    not in the middle of a confidently read word much wider than it. A word that *starts*
    at the box is OCR reading the box as "[]" or "[m]" before the label (see
    ``trim_box_words``), so on an ``ocr`` page it does not count against the box.
    """
    by_top = sorted(words, key=lambda w: w.bbox[1])
    tops = [w.bbox[1] for w in by_top]
    tallest = max((w.bbox[3] - w.bbox[1] for w in words), default=0.0)
    kept: list[FoundBox] = []
    for d in drawn:
        # In a text layer the glyph is the truth and the drawing its rendering; on a scan
        # OCR's "[X]" is a reading of the drawn box, whose ink is the better witness.
        if not ocr and any(overlaps(d.bbox, g.bbox) for g in glyphs):
            continue
        # Only words starting less than the tallest word's height above the box can touch it.
        lo = bisect.bisect_left(tops, d.bbox[1] - tallest)
        hi = bisect.bisect_right(tops, d.bbox[3])
        if any(_inside_word(d, w, ocr) for w in by_top[lo:hi]):
            continue
        kept.append(d)
    if ocr:
        glyphs = [g for g in glyphs if not any(overlaps(g.bbox, d.bbox) for d in kept)]
    return glyphs + kept


def _inside_word(found: FoundBox, word: Word, ocr: bool) -> bool:
    box = found.bbox
    wx0, wy0, wx1, wy1 = word.bbox
    ix = min(box[2], wx1) - max(box[0], wx0)
    iy = min(box[3], wy1) - max(box[1], wy0)
    if ix <= 0 or iy <= 0:
        return False
    side = box[2] - box[0]
    area = side * (box[3] - box[1])
    if ix * iy <= 0.3 * area or sum(c.isalnum() for c in word.text) < 2:
        return False
    if not ocr or wx0 < box[0] - 0.5 * side:
        return word.confidence >= 0.5 and (wx1 - wx0) > 1.6 * side
    # On a scan a word may start at a real box that OCR read as "[]" or "LI" or glued to
    # its label ("DJPhone", "Clinwork"); but a word much wider than the box that starts
    # with a letter there (a bold "O" of "Office") is a letter, not a box: when read
    # confidently, or when the "box" looks filled (a bold capital's strokes and small
    # counter) and the word reads as one capitalised word ("Declaration" at 0.79).
    if (wx1 - wx0) <= 1.6 * side or not word.text[0].isalnum():
        return False
    if word.confidence >= 0.8:
        return True
    rest = word.text[1:]
    return (found.checked and word.confidence >= 0.5 and len(rest) >= 4
            and rest.isalpha() and rest.islower())


def trim_box_words(words: list[Word], boxes: list[FoundBox]) -> list[Word]:
    """OCR words that are a drawn box misread as text dropped, or their box part cut off.

    Tesseract reads a tick box as "[]", "[j]", "(]" or glues it to the label ("[]Retired",
    "[m]post"). The share of the word's width the box covers says how many leading
    characters are the box; what is left loses any leading punctuation.
    """
    drawn = [b.bbox for b in boxes if not b.word_ids]
    if not drawn:
        return words
    out: list[Word] = []
    for w in words:
        x0, y0, x1, y1 = w.bbox
        text = w.text
        for bx0, by0, bx1, by1 in drawn:
            if min(y1, by1) <= max(y0, by0) or min(x1, bx1) <= max(x0, bx0):
                continue
            side = bx1 - bx0
            if x0 < bx0 - 0.5 * side:
                continue  # the word starts well before the box: not the box's misreading
            if x0 > (bx0 + bx1) / 2:
                # The word starts in the box's right half or just after it: the label,
                # unless it is nothing but a side read as "]" or "|".
                if x0 <= bx1 + 0.6 * side and all(ch in BOX_JUNK for ch in text):
                    text = ""
                    break
                continue
            cover = (min(x1, bx1 + 0.1 * side) - x0) / max(x1 - x0, 1e-6)
            if cover >= 0.85:
                text = ""
                break
            # Cut after the last bracket-like character where the box can be ("[]Pnone",
            # "[m]post"); a word whose box part was not read as any character ("Email"
            # spanning the box) keeps its letters.
            n = round(cover * len(text)) + 1
            cut = max((k + 1 for k, ch in enumerate(text[:n]) if ch in BOX_JUNK), default=0)
            if cut == 0:
                # The box read as letters glued to a capitalised label: "DJPhone",
                # "MlFfôn/Phone", "M/Not working" (but "Email" keeps its "E").
                glued = BOX_AS_LETTERS.match(text)
                cut = glued.end() if glued else 0
            text = text[cut:].lstrip(BOX_JUNK + " ")
            x0 = max(x0, bx1 + 0.15 * side)
        if not text:
            continue
        if text != w.text:
            w = Word(text=text, bbox=(min(x0, x1 - 1e-3), y0, x1, y1), confidence=w.confidence)
        out.append(w)
    return out


def attach_labels(boxes: list[FoundBox], rows: list[Row], words: list[Word]) -> list[Checkbox]:
    """Each box's label: the segment just right of it on its row, else one just left of it."""
    out: list[Checkbox] = []
    for box in boxes:
        side = box.bbox[2] - box.bbox[0]
        cy = (box.bbox[1] + box.bbox[3]) / 2
        best: Segment | None = None
        best_dist = float("inf")
        for row in rows:
            if not row.bbox[1] - side / 2 <= cy <= row.bbox[3] + side / 2:
                continue
            for seg in row.segments:
                if set(seg.word_ids) & set(box.word_ids):
                    continue
                reach = 2.5 * side + row.height
                right = seg.bbox[0] - box.bbox[2]
                left = box.bbox[0] - seg.bbox[2]
                if box.bbox[0] - side / 2 <= seg.bbox[0] and seg.bbox[2] > box.bbox[2] + side:
                    right = max(right, 0.0)  # OCR read box and label as one word ("Email")
                if -side / 2 <= right <= reach and right < best_dist:
                    best, best_dist = seg, right
                elif (
                    -side / 2 <= left <= reach
                    and left + reach < best_dist
                    and not seg.text.rstrip().endswith((":", "?"))
                ):
                    best, best_dist = seg, left + reach
        label, label_bbox = "", None
        if best is not None:
            label = " ".join(words[i].text for i in best.word_ids if i not in box.word_ids)
            label_bbox = best.bbox
            box.label_segment = best.index
        out.append(
            Checkbox(
                bbox=box.bbox,
                checked=box.checked,
                confidence=box.confidence,
                label=label.strip(),
                label_bbox=label_bbox,
            )
        )
    return out
