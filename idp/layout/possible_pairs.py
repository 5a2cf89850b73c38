"""Possible pairs: every plausible label → value pairing, not only the one the page keeps.

``find_key_values`` gives each segment to at most one pair, the most certain reading of the
form. A label matcher that knows the schema can do better with more to choose from: a
label next to one segment and above another is offered with both, "Label: value" inside
one segment is split at the colon or at a gap clearly wider than the word spacing, and a
two-column table offers each cell with its right-hand neighbour. These pairs go to
``Page.possible_pairs`` for the extractors and are never part of the record.

They are built on the same rows and segments as the key–value passes; their text is kept
as printed (a label keeps its colon), their confidence is the value's lowest word
confidence.
"""

from __future__ import annotations

from idp.datamodel import KeyValue, normalise_confidence
from idp.geometry import BBox, centre_in, union
from idp.layout.keyvalues import KvContext
from idp.layout.lines import Segment

WIDE_GAP = 0.5
"""Inside a segment, a gap this many row heights wide may separate a label from its value."""
MAX_ROWS_BELOW = 2
"""A value under its label is looked for this many rows down…"""
MAX_DROP = 3.0
"""…and no further below the label than this many label heights."""


def find_possible_pairs(ctx: KvContext) -> list[KeyValue]:
    """Pairs for every segment with its colon or gap split, its right and lower neighbour,
    and every two-column table cell with the next (some may repeat ``key_values``)."""
    out: list[KeyValue] = []
    # A data table (three or more columns: "Name | Relationship | Age") holds records, not
    # labels with values; its header next to its first row is no key–value pair.
    data_tables = [t.bbox for t in ctx.tables if t.n_cols >= 3]
    for row in ctx.rows:
        segments = [s for s in row.segments if ctx.text(s.word_ids)]
        for i, seg in enumerate(segments):
            if any(centre_in(seg.bbox, area) for area in data_tables):
                continue
            ids = [k for k in seg.word_ids if k not in ctx.skip]
            split = _split_colon(ctx, ids) or _split_gap(ctx, ids, seg.height)
            if split:
                colon = ctx.words[split[0][-1]].text.endswith(":")
                out.append(_pair(ctx, split[0], split[1], "right", "colon" if colon else "gap"))
                if colon:
                    continue
            if i + 1 < len(segments):
                out.append(_pair(ctx, ids, segments[i + 1].word_ids, "right", "right"))
            below = _below(ctx, seg)
            if below is not None:
                out.append(_pair(ctx, ids, below.word_ids, "below", "below"))
    out += _table_pairs(ctx)
    return out


def _split_colon(ctx: KvContext, ids: list[int]) -> tuple[list[int], list[int]] | None:
    for n, k in enumerate(ids[:-1]):
        if ctx.words[k].text.endswith(":"):
            return ids[: n + 1], ids[n + 1 :]
    return None


def _split_gap(
    ctx: KvContext, ids: list[int], height: float
) -> tuple[list[int], list[int]] | None:
    """Label and value closer than a column gap: split at a gap clearly wider than the rest."""
    if len(ids) < 2:
        return None
    gaps = [ctx.words[b].bbox[0] - ctx.words[a].bbox[2] for a, b in zip(ids, ids[1:], strict=False)]
    widest = max(range(len(gaps)), key=lambda n: gaps[n])
    others = [g for n, g in enumerate(gaps) if n != widest]
    if gaps[widest] < WIDE_GAP * height or (others and gaps[widest] < 1.5 * max(others)):
        return None
    return ids[: widest + 1], ids[widest + 1 :]


def _below(ctx: KvContext, seg: Segment) -> Segment | None:
    """The segment just below ``seg`` that starts under it (a stacked or boxed value)."""
    for row in ctx.rows[seg.row + 1 : seg.row + 1 + MAX_ROWS_BELOW]:
        for other in row.segments:
            if other.bbox[1] - seg.bbox[3] > MAX_DROP * seg.height:
                return None
            overlap = min(other.bbox[2], seg.bbox[2]) - max(other.bbox[0], seg.bbox[0])
            if overlap > 0 and abs(other.bbox[0] - seg.bbox[0]) < 2.5 * seg.height:
                return other
    return None


def _table_pairs(ctx: KvContext) -> list[KeyValue]:
    out = []
    for table in ctx.tables:
        if table.n_cols >= 3:
            continue
        boxes = {(c.row, c.col): c.bbox for c in table.cells}
        texts = {(c.row, c.col): c.text for c in table.cells}
        for (r, c), text in texts.items():
            value = texts.get((r, c + 1), "")
            if text.strip() and value.strip():
                value_box = boxes[(r, c + 1)]
                out.append(
                    KeyValue(
                        key=text,
                        value=value,
                        confidence=_confidence_in(ctx, value_box),
                        page=ctx.page.number,
                        key_bbox=ctx.page.relative(boxes[(r, c)]),
                        value_bbox=ctx.page.relative(value_box),
                        relation="cell",
                        origin="table",
                    )
                )
    return out


def _pair(ctx: KvContext, key: list[int], value: list[int], relation: str, origin: str) -> KeyValue:
    return KeyValue(
        key=" ".join(ctx.words[k].text for k in key),
        value=" ".join(ctx.words[k].text for k in value),
        confidence=min(normalise_confidence(ctx.words[k].confidence) for k in value),
        page=ctx.page.number,
        key_bbox=ctx.page.relative(union(ctx.words[k].bbox for k in key)),
        value_bbox=ctx.page.relative(union(ctx.words[k].bbox for k in value)),
        relation=relation,
        origin=origin,
    )


def _confidence_in(ctx: KvContext, box: BBox) -> float:
    inside = [normalise_confidence(w.confidence) for w in ctx.words if centre_in(w.bbox, box)]
    return min(inside, default=1.0)
