"""Group a page's words into visual rows, and rows into segments split at large gaps.

A *row* is every word on one baseline across the page. A *segment* is a run of words in a
row with no large horizontal gap and no vertical ruling between them: two columns, or a
label and its value set apart by a tab stop, become separate segments of the same row.
Label/value pairing works on segments; ``Page.lines`` are rows cut at column gutters.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from idp.datamodel import BBox, Word
from idp.geometry import union

GAP_SPLIT = 1.1
"""A gap wider than this many row heights starts a new segment (word spacing is ~0.3)."""


@dataclass
class Segment:
    """A run of words on one row without a large gap, in page units."""

    word_ids: list[int]
    bbox: BBox
    text: str
    confidence: float
    row: int
    index: int = 0
    """Position of the segment among all segments of the page."""

    @property
    def height(self) -> float:
        return self.bbox[3] - self.bbox[1]


@dataclass
class Row:
    """Words on one visual row, left to right, and the segments they form."""

    word_ids: list[int]
    bbox: BBox
    height: float
    segments: list[Segment] = field(default_factory=list)


def group_rows(words: list[Word]) -> list[Row]:
    """Words grouped into visual rows, top to bottom, each row left to right.

    A word joins the row whose vertical band it overlaps most (at least half its height);
    the band is the row's mean centre ± half its median height, so one tall word cannot
    chain two rows together.
    """
    order = sorted(
        (i for i, w in enumerate(words) if w.text.strip()),
        key=lambda i: (words[i].bbox[1] + words[i].bbox[3]) / 2,
    )
    # Open rows as (centre_sum, count, band height), sorted heights, word ids; the band
    # height is the median, updated as words join. Only recent rows can still match.
    rows: list[tuple[list[float], list[float], list[int]]] = []
    for i in order:
        x0, y0, x1, y1 = words[i].bbox
        h = max(y1 - y0, 1e-6)
        best, best_overlap = -1, 0.0
        for r in range(len(rows) - 1, max(-1, len(rows) - 6), -1):
            stats = rows[r][0]
            cy, rh = stats[0] / stats[1], stats[2]
            frac = (min(y1, cy + rh / 2) - max(y0, cy - rh / 2)) / min(h, rh)
            if frac > best_overlap:
                best, best_overlap = r, frac
        if best >= 0 and best_overlap >= 0.5:
            stats, heights, ids = rows[best]
            bisect.insort(heights, h)
            stats[0] += (y0 + y1) / 2
            stats[1] += 1
            stats[2] = heights[len(heights) // 2]
            ids.append(i)
        else:
            rows.append(([(y0 + y1) / 2, 1.0, h], [h], [i]))
    out = []
    for _, heights, ids in rows:
        ids.sort(key=lambda i: words[i].bbox[0])
        box = union([words[i].bbox for i in ids])
        # OCR boxes of words without ascenders ("name") are short; the tallest words of a
        # row give its type size, which is what word spacing scales with.
        size = heights[max(0, (len(heights) * 3) // 4 - (len(heights) == 4))]
        out.append(Row(word_ids=ids, bbox=box, height=size))
    out.sort(key=lambda r: (r.bbox[1] + r.bbox[3]) / 2)
    return out


def split_segments(
    rows: list[Row],
    words: list[Word],
    vertical_rulings: list[BBox] | None = None,
    barriers: list[BBox] | None = None,
    isolated: set[int] | None = None,
) -> list[Segment]:
    """Cut every row into segments at large gaps, vertical rulings and ``barriers``.

    ``barriers`` are boxes (drawn checkboxes) that separate what lies on either side of
    them; ``isolated`` words (checkbox glyphs) always form a segment of their own.
    Fills ``row.segments`` and returns all segments in row order.
    """
    cuts = list(vertical_rulings or []) + list(barriers or [])
    alone = isolated or set()
    segments: list[Segment] = []
    for r, row in enumerate(rows):
        row.segments = []
        current: list[int] = []
        for i in row.word_ids:
            if current and (
                i in alone
                or current[-1] in alone
                or _breaks(words[current[-1]].bbox, words[i].bbox, row, cuts)
            ):
                row.segments.append(_segment(current, words, r))
                current = []
            current.append(i)
        if current:
            row.segments.append(_segment(current, words, r))
        for seg in row.segments:
            seg.index = len(segments)
            segments.append(seg)
    return segments


def _breaks(left: BBox, right: BBox, row: Row, cuts: list[BBox]) -> bool:
    gap = right[0] - left[2]
    if gap > GAP_SPLIT * row.height:
        return True
    y0, y1 = row.bbox[1], row.bbox[3]
    for c in cuts:
        cx = (c[0] + c[2]) / 2
        if left[2] - 1 <= cx <= right[0] + 1 and c[1] < y1 and c[3] > y0:
            return True
    return False


def _segment(ids: list[int], words: list[Word], row: int) -> Segment:
    box = union([words[i].bbox for i in ids])
    text = " ".join(words[i].text for i in ids)
    conf = sum(words[i].confidence for i in ids) / len(ids)
    return Segment(word_ids=list(ids), bbox=box, text=text, confidence=conf, row=row)
