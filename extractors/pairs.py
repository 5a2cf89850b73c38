"""Label–value pairs on a page, gathered from every place a form puts them.

The layout stage's ``key_values`` come first; to those this adds pairs read straight off the
words, so a page whose layout analysis missed a pair still gets one: "Label: value" on a
line, a label segment with its value segment to the right or directly below, and the
two-column rows of tables. Pairs are cheap and many; the label matcher decides which ones
name a field.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from extractors.base import normalise_confidence
from idp.datamodel import BBox, Page, Word
from idp.geometry import centre_in, union

GAP_SPLIT = 1.1
"""A gap wider than this many row heights splits a row into segments."""
WIDE_GAP = 0.5
"""Inside a segment, a gap this many row heights wide may separate a label from its value."""


@dataclass
class LabelValuePair:
    """A label and the value that goes with it, with boxes relative to the page."""

    label: str
    value: str
    page: int
    label_bbox: list[float] | None
    value_bbox: list[float] | None
    confidence: float
    """Reading confidence of the value, 0–1."""
    origin: str
    """Where the pair came from: layout, colon, right, below, table."""


@dataclass
class _Segment:
    words: list[Word]
    bbox: BBox
    row: int
    text: str = field(init=False)

    def __post_init__(self) -> None:
        self.text = " ".join(w.text for w in self.words)

    @property
    def confidence(self) -> float:
        return min((normalise_confidence(w.confidence) for w in self.words), default=0.0)


def segments_of(page: Page) -> list[list[_Segment]]:
    """The page's words as rows (top to bottom) of segments (left to right)."""
    words = [w for w in page.words if w.text.strip()]
    words.sort(key=lambda w: ((w.bbox[1] + w.bbox[3]) / 2, w.bbox[0]))
    rows: list[list[Word]] = []
    bands: list[tuple[float, float]] = []
    for word in words:
        y0, y1 = word.bbox[1], word.bbox[3]
        height = max(y1 - y0, 1e-6)
        placed = False
        for i in range(len(rows) - 1, max(len(rows) - 4, -1), -1):
            b0, b1 = bands[i]
            if min(y1, b1) - max(y0, b0) >= 0.5 * min(height, b1 - b0):
                rows[i].append(word)
                bands[i] = (min(b0, y0), max(b1, y1))
                placed = True
                break
        if not placed:
            rows.append([word])
            bands.append((y0, y1))
    out: list[list[_Segment]] = []
    for r, row in enumerate(rows):
        row.sort(key=lambda w: w.bbox[0])
        height = statistics.median(w.bbox[3] - w.bbox[1] for w in row)
        segs: list[list[Word]] = [[row[0]]]
        for prev, word in zip(row, row[1:], strict=False):
            if word.bbox[0] - prev.bbox[2] > GAP_SPLIT * height:
                segs.append([word])
            else:
                segs[-1].append(word)
        out.append([_Segment(s, union([w.bbox for w in s]), r) for s in segs])
    return out


def _split_colon(seg: _Segment) -> tuple[list[Word], list[Word]] | None:
    for i, word in enumerate(seg.words):
        if word.text.endswith(":") and i + 1 < len(seg.words):
            return seg.words[: i + 1], seg.words[i + 1 :]
    return None


def _split_gap(seg: _Segment) -> tuple[list[Word], list[Word]] | None:
    """Label and value closer than a column gap: split at a gap clearly wider than the rest."""
    words = seg.words
    if len(words) < 2:
        return None
    height = seg.bbox[3] - seg.bbox[1]
    gaps = [b.bbox[0] - a.bbox[2] for a, b in zip(words, words[1:], strict=False)]
    i = max(range(len(gaps)), key=lambda k: gaps[k])
    others = [g for k, g in enumerate(gaps) if k != i]
    if gaps[i] < WIDE_GAP * height or (others and gaps[i] < 1.5 * max(others)):
        return None
    return words[: i + 1], words[i + 1 :]


def _pair(page: Page, label: list[Word], value: list[Word], origin: str) -> LabelValuePair:
    return LabelValuePair(
        label=" ".join(w.text for w in label),
        value=" ".join(w.text for w in value),
        page=page.number,
        label_bbox=page.relative(union([w.bbox for w in label])),
        value_bbox=page.relative(union([w.bbox for w in value])),
        confidence=min(normalise_confidence(w.confidence) for w in value),
        origin=origin,
    )


def _below(seg: _Segment, rows: list[list[_Segment]]) -> _Segment | None:
    """The segment just below ``seg`` that starts under it (a stacked or boxed value)."""
    height = seg.bbox[3] - seg.bbox[1]
    for row in rows[seg.row + 1 : seg.row + 3]:
        for cand in row:
            if cand.bbox[1] - seg.bbox[3] > 3.0 * height:
                return None
            overlap = min(cand.bbox[2], seg.bbox[2]) - max(cand.bbox[0], seg.bbox[0])
            if overlap > 0 and abs(cand.bbox[0] - seg.bbox[0]) < 2.5 * height:
                return cand
    return None


def label_value_pairs(page: Page) -> list[LabelValuePair]:
    """Every plausible label–value pair on the page, layout's first, without duplicates."""
    pairs = [
        LabelValuePair(
            label=kv.key,
            value=kv.value,
            page=page.number,
            label_bbox=kv.key_bbox,
            value_bbox=kv.value_bbox,
            confidence=normalise_confidence(kv.confidence),
            origin="layout",
        )
        for kv in page.key_values
        if kv.key.strip() and kv.value.strip()
    ]
    rows = segments_of(page)
    # A data table (three or more columns: "Name | Relationship | Age") holds records, not
    # labels with values; its header next to its first row is no key-value pair.
    data_tables = [t.bbox for t in page.tables if t.n_cols >= 3]
    for row in rows:
        for i, seg in enumerate(row):
            if any(centre_in(seg.bbox, area) for area in data_tables):
                continue
            split = _split_colon(seg) or _split_gap(seg)
            if split:
                origin = "colon" if split[0][-1].text.endswith(":") else "gap"
                pairs.append(_pair(page, split[0], split[1], origin))
                if origin == "colon":
                    continue
            if i + 1 < len(row):
                pairs.append(_pair(page, seg.words, row[i + 1].words, "right"))
            below = _below(seg, rows)
            if below is not None:
                pairs.append(_pair(page, seg.words, below.words, "below"))
    for table in page.tables:
        if table.n_cols >= 3:
            continue
        grid: dict[tuple[int, int], BBox] = {(c.row, c.col): c.bbox for c in table.cells}
        texts = {(c.row, c.col): c.text for c in table.cells}
        for (r, c), text in texts.items():
            value = texts.get((r, c + 1), "")
            if text.strip() and value.strip():
                pairs.append(
                    LabelValuePair(
                        label=text,
                        value=value,
                        page=page.number,
                        label_bbox=page.relative(grid[(r, c)]),
                        value_bbox=page.relative(grid[(r, c + 1)]),
                        confidence=_words_confidence(page, grid[(r, c + 1)]),
                        origin="table",
                    )
                )
    seen: set[tuple[str, str]] = set()
    unique = []
    for pair in pairs:
        key = (" ".join(pair.label.split()), " ".join(pair.value.split()))
        if key not in seen:
            seen.add(key)
            unique.append(pair)
    return unique


def _words_confidence(page: Page, box: BBox) -> float:
    inside = [
        normalise_confidence(w.confidence)
        for w in page.words
        if centre_in(w.bbox, box)
    ]
    return min(inside, default=1.0)
