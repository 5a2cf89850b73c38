"""Blocks and reading order by a recursive XY-cut over segments, kept as layoutparser
elements (``lp.TextBlock`` in an ``lp.Layout``) and turned into the pydantic models.

A vertical cut is taken only at a real column gutter: both sides must hold prose-wide
segments. A label column beside a value column is *not* a gutter, so a form is read row
by row and a line keeps "Name: Jane" together.
"""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING, Any

from idp.datamodel import BBox, Block, Line, Table, Word
from idp.geometry import centre_in, union
from idp.layout.lines import Row, Segment

if TYPE_CHECKING:
    import layoutparser as lp

PARAGRAPH_GAP = 0.8
"""A horizontal whitespace band taller than this many row heights separates blocks."""
COLUMN_MIN_WIDTH = 0.18
"""Median segment width, as a share of the page, that makes a side of a gutter a column."""
BULLETS = ("•", "-", "–", "*", "◦", "▪")


def _gaps(intervals: list[tuple[float, float]], min_gap: float) -> list[tuple[float, float]]:
    """Empty stretches at least ``min_gap`` long between the union of ``intervals``."""
    out = []
    ivs = sorted(intervals)
    end = ivs[0][1]
    for a, b in ivs[1:]:
        if a - end >= min_gap:
            out.append((end, a))
        end = max(end, b)
    return out


def _xy_cut(items: list[tuple[BBox, Any]], h: float, page_w: float) -> list[list[Any]]:
    if len(items) <= 1:
        return [[p for _, p in items]]
    gaps = _gaps([(b[0], b[2]) for b, _ in items], h)
    for g0, g1 in sorted(gaps, key=lambda g: g[0] - g[1]):
        left = [it for it in items if it[0][2] <= g0 + 0.01]
        right = [it for it in items if it[0][0] >= g1 - 0.01]
        if len(left) >= 2 and len(right) >= 2:
            wl = statistics.median(b[2] - b[0] for b, _ in left)
            wr = statistics.median(b[2] - b[0] for b, _ in right)
            if min(wl, wr) >= COLUMN_MIN_WIDTH * page_w:
                return _xy_cut(left, h, page_w) + _xy_cut(right, h, page_w)
    hgaps = _gaps([(b[1], b[3]) for b, _ in items], PARAGRAPH_GAP * h)
    if hgaps:
        groups: list[list[tuple[BBox, Any]]] = [[] for _ in range(len(hgaps) + 1)]
        for it in items:
            k = sum(1 for g0, _ in hgaps if it[0][1] >= g0)
            groups[k].append(it)
        out: list[list[Any]] = []
        for g in groups:
            if g:
                out.extend(_xy_cut(g, h, page_w))
        return out
    return [[p for _, p in items]]


def build_blocks(
    rows: list[Row],
    segments: list[Segment],
    words: list[Word],
    tables: list[Table],
    page_width: float,
    regions: lp.Layout | None = None,
) -> tuple[list[Line], list[Block], lp.Layout]:
    """Lines and blocks in reading order, and the same blocks as an ``lp.Layout``.

    ``regions`` (from the layout model, on scans) only name the type of a block that
    mostly lies inside one of them; geometry decides the blocks themselves.
    """
    import layoutparser as lp

    if not segments:
        return [], [], lp.Layout([])
    h = statistics.median(r.height for r in rows)
    items: list[tuple[BBox, Any]] = []
    in_table: dict[int, int] = {}
    for k, t in enumerate(tables):
        items.append((t.bbox, ("table", k)))
    for seg in segments:
        for k, t in enumerate(tables):
            if centre_in(seg.bbox, t.bbox):
                in_table[seg.index] = k
                break
        else:
            items.append((seg.bbox, ("seg", seg.index)))
    leaves = _xy_cut(items, h, page_width)

    lines: list[Line] = []
    blocks: list[Block] = []
    elements = []
    for order, leaf in enumerate(leaves):
        segs: list[Segment] = []
        kind = "text"
        for tag, idx in leaf:
            if tag == "table":
                kind = "table"
                segs.extend(s for s in segments if in_table.get(s.index) == idx)
            else:
                segs.append(segments[idx])
        if not segs:
            continue
        line_ids = _lines_of(segs, words, lines)
        box = union([s.bbox for s in segs])
        if kind == "text":
            kind = _guess_type([lines[i] for i in line_ids], h)
        score = 1.0
        if regions is not None:
            kind, score = _model_type(box, regions, kind)
        block = Block(type=kind, bbox=box, line_ids=line_ids, order=order, score=score)
        blocks.append(block)
        elements.append(
            lp.TextBlock(lp.Rectangle(*box), text="\n".join(lines[i].text for i in line_ids),
                         id=order, type=kind, score=score)
        )
    return lines, blocks, lp.Layout(elements)


def _lines_of(segs: list[Segment], words: list[Word], lines: list[Line]) -> list[int]:
    """One line per row among ``segs``, appended to ``lines``; returns their ids."""
    by_row: dict[int, list[Segment]] = {}
    for s in segs:
        by_row.setdefault(s.row, []).append(s)
    ids = []
    for r in sorted(by_row):
        row_segs = sorted(by_row[r], key=lambda s: s.bbox[0])
        word_ids = [i for s in row_segs for i in s.word_ids]
        conf = sum(words[i].confidence for i in word_ids) / len(word_ids)
        ids.append(len(lines))
        lines.append(
            Line(
                text=" ".join(words[i].text for i in word_ids),
                bbox=union([s.bbox for s in row_segs]),
                word_ids=word_ids,
                confidence=round(conf, 4),
            )
        )
    return ids


def _guess_type(lines: list[Line], h: float) -> str:
    if len(lines) == 1 and lines[0].bbox[3] - lines[0].bbox[1] >= 1.3 * h:
        return "title"
    if len(lines) >= 2 and all(ln.text.startswith(BULLETS) for ln in lines):
        return "list"
    return "text"


def _model_type(box: BBox, regions: lp.Layout, kind: str) -> tuple[str, float]:
    """The model's type for a block mostly (≥ 60 %) inside one of its regions."""
    area = max((box[2] - box[0]) * (box[3] - box[1]), 1e-6)
    for region in regions:
        x0, y0, x1, y1 = region.coordinates
        inter = max(0.0, min(x1, box[2]) - max(x0, box[0])) * max(
            0.0, min(y1, box[3]) - max(y0, box[1])
        )
        if inter / area >= 0.6:
            if kind == "table" or region.type in ("text", "reference"):
                return kind, float(region.score or 1.0)
            return str(region.type), float(region.score or 1.0)
    return kind, 1.0
