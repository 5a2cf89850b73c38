"""Generic key–value pairs (**contract**): a label and its value, wherever the form puts it.

Passes run from the most certain relation to the least, each consuming the segments it
pairs so a later, weaker rule cannot reuse them. Each pair records its ``relation`` (where
the value sits) and its ``origin`` (which pass found it):

1. checkbox groups: question label → ticked option's label (origin ``checkbox``);
2. signature lines with typed text on them (``signature``; handwritten marks stay in
   ``page.signatures``: a value such as "signed" would be text that is not on the page);
3. two-column tables: label cell → value cell (relation ``cell``), and two-row header
   tables (``table``);
4. ruled boxes: the label at the top of a box → the rest of the box (relation ``inside``,
   origin ``box``);
5. ``Label: value`` inside one segment, then a label ending in ``:`` with its value to the
   right (``right``) or on the next row (``below``) (origin ``colon``);
6. rows of label/value segments without colons, paired left to right; a label and value
   closer than a column gap are told apart by the widest gap in the segment (``gap``);
7. a label with its value just under it and no ruling between (``stacked``).

The further pairings a segment could take part in are ``idp.layout.possible_pairs``'.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from idp.datamodel import BBox, Checkbox, KeyValue, Page, PageSource, Table, Word
from idp.geometry import centre_in, union
from idp.layout.checkboxes import FoundBox
from idp.layout.lines import Row, Segment
from idp.layout.signatures import FoundSignature
from idp.layout.tables import text_in

FILLER = re.compile(r"^(?:[\s_…·:|-]|\.{2,})+|(?:[\s_…·|-]|\.{2,})+$")
"""Leaders and fill-in lines around a value ("Name: ____ Jane ...."); a single full stop
stays ("NI No.", "Ltd.")."""
ABBREVIATION = re.compile(r"(?:^|\s)[A-Za-z]{1,4}\.$")
"""A label may end in an abbreviation ("Tel. no.", "NI No.") rather than a sentence."""
NOT_A_LABEL_END = (".", ",", ";")
CLOCK = re.compile(r"^\d{1,2}:\d{2}")


@dataclass
class KvContext:
    """Everything the passes share about one page."""

    page: Page
    words: list[Word]
    rows: list[Row]
    segments: list[Segment]
    horizontal: list[BBox]
    cells: list[BBox]
    tables: list[Table]
    boxes: list[FoundBox]
    checkboxes: list[Checkbox]
    signatures: list[FoundSignature]
    skip: set[int] = field(default_factory=set)
    """Word ids that are checkbox glyphs."""
    used: set[int] = field(default_factory=set)
    """Segments already paired or claimed."""
    out: list[KeyValue] = field(default_factory=list)
    h: float = 10.0
    cell_of: list[int] = field(default_factory=list)

    def text(self, ids: list[int]) -> str:
        return " ".join(self.words[i].text for i in ids if i not in self.skip).strip()

    def conf(self, ids: list[int]) -> float:
        vals = [self.words[i].confidence for i in ids if i not in self.skip]
        return sum(vals) / len(vals) if vals else 0.0

    def emit(
        self,
        key_ids: list[int],
        value_ids: list[int],
        relation: str,
        origin: str,
        geometry: float,
        value_text: str | None = None,
        value_box: BBox | None = None,
    ) -> bool:
        key = clean_key(self.text(key_ids))
        value = clean_value(self.text(value_ids) if value_text is None else value_text)
        if not key or not value or not any(c.isalnum() for c in key):
            return False
        if sum(c.isalnum() for c in value) < 1 or (
            self.page.source == PageSource.OCR
            and len(value) <= 4
            and self.conf(value_ids) < 0.5
            and value_text is None
        ):
            return False  # scribble or speckle read as text
        kbox = union([self.words[i].bbox for i in key_ids])
        if value_box is None and value_ids:
            value_box = union([self.words[i].bbox for i in value_ids])
        conf = geometry * (self.conf(key_ids) + self.conf(value_ids or key_ids)) / 2
        self.out.append(
            KeyValue(
                key=key,
                value=value,
                confidence=round(conf, 3),
                page=self.page.number,
                key_bbox=self.page.relative(kbox),
                value_bbox=self.page.relative(value_box) if value_box else None,
                relation=relation,
                origin=origin,
            )
        )
        return True


def clean_key(text: str) -> str:
    """The label without its trailing colon and leaders."""
    text = FILLER.sub("", text.strip())
    return text.rstrip(":").strip()


def clean_value(text: str) -> str:
    """The value without leaders, fill-in underscores and a stray leading colon."""
    return FILLER.sub("", text.strip()).strip()


def find_key_values(ctx: KvContext) -> list[KeyValue]:
    """Every pass in turn; returns the pairs in reading order of their keys."""
    if not ctx.segments:
        return []
    ctx.h = statistics.median(r.height for r in ctx.rows)
    ctx.cell_of = [_smallest_cell(s.bbox, ctx.cells) for s in ctx.segments]
    for seg in ctx.segments:
        if all(i in ctx.skip for i in seg.word_ids):
            ctx.used.add(seg.index)
    _checkbox_groups(ctx)
    _signatures(ctx)
    _tables(ctx)
    _boxes(ctx)
    _colon_pairs(ctx)
    _gap_pairs(ctx)
    _stacked_pairs(ctx)
    ctx.out.sort(key=lambda kv: (kv.key_bbox[1], kv.key_bbox[0]))
    return ctx.out


def _smallest_cell(box: BBox, cells: list[BBox]) -> int:
    for k, c in enumerate(cells):  # cells come smallest first
        if centre_in(box, c):
            return k
    return -1


# -- 1. checkbox groups -----------------------------------------------------------------------
def _checkbox_groups(ctx: KvContext) -> None:
    option_segs: set[int | None] = {b.label_segment for b in ctx.boxes}
    groups: list[list[int]] = []
    for k in _row_order(ctx.boxes):
        box = ctx.boxes[k].bbox
        side = box[3] - box[1]
        if groups:
            last = ctx.boxes[groups[-1][-1]].bbox
            first = ctx.boxes[groups[-1][0]].bbox
            same_row = abs((box[1] + box[3]) / 2 - (last[1] + last[3]) / 2) < side
            next_row = 0 < box[1] - last[1] <= 2.6 * max(side, ctx.h) and box[0] >= first[0] - side
            if (same_row or next_row) and not _question_left(ctx, box, option_segs):
                groups[-1].append(k)
                continue
        groups.append([k])
    for group in groups:
        if all(ctx.boxes[k].label_segment is None for k in group):
            continue  # unlabelled squares are not a question's options
        first = ctx.boxes[group[0]].bbox
        question = _question_left(ctx, first, option_segs) or _question_above(
            ctx, [ctx.boxes[k].bbox for k in group], option_segs
        )
        for k in group:
            if ctx.boxes[k].label_segment is not None:
                ctx.used.add(ctx.boxes[k].label_segment)  # type: ignore[arg-type]
        if question is None:
            continue
        ctx.used.add(question.index)
        ticked = [k for k in group if ctx.boxes[k].checked and ctx.checkboxes[k].label]
        if not ticked:
            continue
        labels = [ctx.checkboxes[k].label for k in ticked]
        if ctx.page.source == PageSource.OCR:
            labels = [label.rstrip(".") for label in labels]  # speckle read as a full stop
        value = ", ".join(labels)
        vbox = union([ctx.checkboxes[k].label_bbox or ctx.boxes[k].bbox for k in ticked])
        conf = min(ctx.boxes[k].confidence for k in ticked)
        ctx.emit(question.word_ids, [], "checkbox", "checkbox", 0.95 * conf, value, vbox)


def _row_order(boxes: list[FoundBox]) -> list[int]:
    """Box indices row by row, left to right; boxes on one row may differ by a pixel or
    two in height (a glyph read by OCR beside a box found in the image)."""
    by_centre = sorted(range(len(boxes)), key=lambda k: boxes[k].bbox[1] + boxes[k].bbox[3])
    rows: list[list[int]] = []
    for k in by_centre:
        b = boxes[k].bbox
        if rows:
            r = boxes[rows[-1][0]].bbox
            if abs((b[1] + b[3]) - (r[1] + r[3])) / 2 < 0.5 * (r[3] - r[1]):
                rows[-1].append(k)
                continue
        rows.append([k])
    return [k for row in rows for k in sorted(row, key=lambda k: boxes[k].bbox[0])]


def _question_left(ctx: KvContext, box: BBox, options: set[int | None]) -> Segment | None:
    """The nearest segment left of ``box`` on its row, unless that is another option."""
    cy = (box[1] + box[3]) / 2
    best, best_x = None, -1.0
    for s in ctx.segments:
        if not s.bbox[1] <= cy <= s.bbox[3] or not any(c.isalnum() for c in s.text):
            continue  # not on the row, or a box side read as "]"
        if s.bbox[2] <= box[0] + 1 and s.bbox[2] > best_x:
            best, best_x = s, s.bbox[2]
    if best is None or best.index in options or best.index in ctx.used:
        return None
    return best


def _question_above(ctx: KvContext, boxes: list[BBox], options: set[int | None]) -> Segment | None:
    first = boxes[0]
    x1 = max(b[2] for b in boxes)
    best, best_y = None, -1.0
    for s in ctx.segments:
        if s.index in options or s.index in ctx.used:
            continue
        gap = first[1] - s.bbox[3]
        near = -1 <= gap <= 2.5 * ctx.h and s.bbox[0] <= x1 and s.bbox[2] >= first[0] - 3 * ctx.h
        if near and s.bbox[3] > best_y:
            best, best_y = s, s.bbox[3]
    return best


# -- 2. signatures ----------------------------------------------------------------------------
def _signatures(ctx: KvContext) -> None:
    for sig in ctx.signatures:
        ctx.used.add(sig.label_segment)
        for s in ctx.segments:
            if centre_in(s.bbox, sig.mark.bbox):
                ctx.used.add(s.index)  # typed name, or a scribble read as "—"
        if sig.typed:
            label = ctx.segments[sig.label_segment]
            ids = [i for i in label.word_ids if not ctx.words[i].text.startswith("__")]
            ctx.emit(ids, [], "right", "signature", 0.9, sig.typed, sig.typed_bbox)


# -- 3. tables --------------------------------------------------------------------------------
def _tables(ctx: KvContext) -> None:
    """Label cell → value cell in two-column tables; header → cell in two-row tables.

    Cells are filled word by word (a word belongs to the cell holding its centre), so a
    label that runs over into the value cell's line does not take the value with it.
    """
    for table in ctx.tables:
        segs = [s for s in ctx.segments if centre_in(s.bbox, table.bbox)]
        seg_of = {i: s.index for s in segs for i in s.word_ids}
        cells = {(c.row, c.col): c.bbox for c in table.cells}
        pairs: list[tuple[BBox | None, BBox | None]] = []
        if table.n_cols == 2:
            pairs = [(cells.get((r, 0)), cells.get((r, 1))) for r in range(table.n_rows)]
        elif table.n_rows == 2:
            pairs = [(cells.get((0, c)), cells.get((1, c))) for c in range(table.n_cols)]
        for key_cell, value_cell in pairs:
            if key_cell is None or value_cell is None:
                continue
            key_ids = text_in(key_cell, ctx.rows, ctx.words)[1]
            value_ids = text_in(value_cell, ctx.rows, ctx.words)[1]
            if not key_ids or not value_ids:
                continue
            if any(seg_of.get(i, -1) in ctx.used for i in key_ids + value_ids):
                continue  # a checkbox group or signature already took this row
            rel = "cell" if table.n_cols == 2 else "below"
            if rel == "cell":
                _take_overflow(ctx, key_ids, value_ids)
            ctx.emit(key_ids, value_ids, rel, "table", 0.9 if table.ruled else 0.7)
        ctx.used.update(s.index for s in segs)


def _take_overflow(ctx: KvContext, key_ids: list[int], value_ids: list[int]) -> None:
    """Move label words that ran over the cell's rule into the value cell back to the key.

    They follow the label's last word on its line at ordinary word spacing; a value is set
    apart by the cell's padding. At least one word stays the value.
    """
    while len(value_ids) > 1:
        last, first = ctx.words[key_ids[-1]].bbox, ctx.words[value_ids[0]].bbox
        same_line = abs((last[1] + last[3]) / 2 - (first[1] + first[3]) / 2) < 0.3 * ctx.h
        if not same_line or not -0.2 * ctx.h <= first[0] - last[2] <= 0.45 * ctx.h:
            return
        key_ids.append(value_ids.pop(0))


def _reading(segs: list[Segment]) -> list[Segment]:
    return sorted(segs, key=lambda s: (s.row, s.bbox[0]))


# -- 4. ruled boxes ---------------------------------------------------------------------------
def _boxes(ctx: KvContext) -> None:
    by_cell: dict[int, list[Segment]] = {}
    for s in ctx.segments:
        c = ctx.cell_of[s.index]
        if c >= 0 and not any(centre_in(s.bbox, t.bbox) for t in ctx.tables):
            by_cell.setdefault(c, []).append(s)
    for segs in by_cell.values():
        segs = _reading(segs)
        top_row = segs[0].row
        keys = [s for s in segs if s.row == top_row]
        values = [s for s in segs if s.row != top_row and s.index not in ctx.used]
        if any(s.index in ctx.used for s in keys):
            continue
        if len(keys) > 1 or not values:
            continue  # a one-row box: "Label: value" or "Label value", left to later passes
        key_ids = keys[0].word_ids
        value_ids = [i for s in values for i in s.word_ids]
        if ctx.emit(key_ids, value_ids, "inside", "box", 0.9):
            ctx.used.update(s.index for s in keys + values)


# -- 5. colons --------------------------------------------------------------------------------
def _colon_pairs(ctx: KvContext) -> None:
    for s in ctx.segments:
        if s.index in ctx.used:
            continue
        ids = [i for i in s.word_ids if i not in ctx.skip]
        cuts = [
            n
            for n, i in enumerate(ids[:-1])
            if ctx.words[i].text.endswith(":") and not CLOCK.match(ctx.words[i].text)
        ]
        if cuts:
            bounds = cuts + [len(ids)]
            start = 0
            ctx.used.add(s.index)
            for c, nxt in zip(cuts, bounds[1:], strict=True):
                end = nxt if nxt == len(ids) else _key_start(ctx, ids, c + 1, nxt)
                value = ids[c + 1 : end]
                if end == len(ids) and value:
                    more = _continuation(ctx, s, ctx.words[value[0]].bbox[0])
                    value = value + [i for m in more for i in m.word_ids]
                    if ctx.emit(ids[start : c + 1], value, "right", "colon", 0.95):
                        ctx.used.update(m.index for m in more)
                else:
                    ctx.emit(ids[start : c + 1], value, "right", "colon", 0.95)
                start = end
    for s in ctx.segments:
        if s.index in ctx.used or not _ends_label(ctx, s):
            continue
        partner = _right_of(ctx, s) or _below(ctx, s, strict=False)
        if partner is None:
            continue
        rel = "right" if partner.row == s.row else "below"
        more = _continuation(ctx, partner, partner.bbox[0]) if rel == "right" else []
        value = partner.word_ids + [i for m in more for i in m.word_ids]
        if ctx.emit(s.word_ids, value, rel, "colon", 0.95 if rel == "right" else 0.85):
            ctx.used.update((s.index, partner.index))
            ctx.used.update(m.index for m in more)


def _continuation(ctx: KvContext, first: Segment, value_x0: float) -> list[Segment]:
    """Lines that carry a value on under itself: left-aligned with it, closely spaced,
    nothing in the label column beside them, no ruling between, not a label."""
    out: list[Segment] = []
    last = first
    for r in range(first.row + 1, len(ctx.rows)):
        row = ctx.rows[r]
        if row.bbox[1] - last.bbox[3] > 0.8 * max(ctx.h, row.height):
            break
        free = [o for o in row.segments if abs(o.bbox[0] - value_x0) <= 1.5 * ctx.h]
        if not free:
            break
        c = free[0]
        if (
            c.index in ctx.used
            or ctx.cell_of[c.index] != ctx.cell_of[first.index]
            or any(o.bbox[2] <= c.bbox[0] + 1 for o in row.segments)
            or any(ctx.words[i].text.endswith(":") for i in c.word_ids)
            or _ruled_between(ctx, last.bbox, c.bbox)
        ):
            break
        out.append(c)
        last = c
    return out


def _key_start(ctx: KvContext, ids: list[int], lo: int, colon: int) -> int:
    """Where the next key begins in "A: one Two b: two": back from the colon to a capital."""
    k = colon
    while k > lo + 1 and not ctx.words[ids[k]].text[:1].isupper():
        k -= 1
    return k


def _ends_label(ctx: KvContext, s: Segment) -> bool:
    last = ctx.text(s.word_ids)
    return last.endswith(":") or (last.endswith("?") and len(s.word_ids) <= 12)


def _right_of(ctx: KvContext, s: Segment) -> Segment | None:
    row = ctx.rows[s.row]
    for other in row.segments:
        if other.bbox[0] >= s.bbox[2] - 1 and other.index not in ctx.used:
            if ctx.cell_of[other.index] != ctx.cell_of[s.index] and ctx.cell_of[s.index] >= 0:
                return None
            if _ends_label(ctx, other) or other.bbox[0] - s.bbox[2] > 0.5 * ctx.page.width:
                return None
            return other
    return None


def _below(ctx: KvContext, s: Segment, strict: bool) -> Segment | None:
    """The first free segment under ``s`` (left-aligned when ``strict``), same box, no rule."""
    for r in range(s.row + 1, min(s.row + 3, len(ctx.rows))):
        row = ctx.rows[r]
        if row.bbox[1] - s.bbox[3] > 1.6 * max(ctx.h, s.height):
            return None
        for other in row.segments:
            if other.index in ctx.used or ctx.cell_of[other.index] != ctx.cell_of[s.index]:
                continue
            if strict:
                if abs(other.bbox[0] - s.bbox[0]) > 1.5 * ctx.h:
                    continue
            elif other.bbox[2] < s.bbox[0] - ctx.h or other.bbox[0] > s.bbox[2] + ctx.h:
                continue
            if _ruled_between(ctx, s.bbox, other.bbox) or _ends_label(ctx, other):
                return None
            return other
    return None


def _ruled_between(ctx: KvContext, upper: BBox, lower: BBox) -> bool:
    x0, x1 = max(upper[0], lower[0]), min(upper[2], lower[2])
    return any(
        upper[3] - 1 <= (h[1] + h[3]) / 2 <= lower[1] + 1 and h[0] < x1 and h[2] > x0
        for h in ctx.horizontal
    )


# -- 6. gaps on one row -----------------------------------------------------------------------
def _label_like(ctx: KvContext, s: Segment) -> bool:
    """Short, starts with a letter, few digits, not a sentence, not a full-width line."""
    text = ctx.text(s.word_ids)
    if not text or len(s.word_ids) > 8:
        return False
    if text.endswith(NOT_A_LABEL_END) and not ABBREVIATION.search(text):
        return False
    if s.bbox[2] - s.bbox[0] > 0.45 * ctx.page.width:
        return False
    # OCR may lower-case a capital ("income per month"); a text layer keeps the case.
    first_ok = text[0].isupper() or (ctx.page.source == PageSource.OCR and text[0].isalpha())
    return first_ok and sum(c.isdigit() for c in text) <= 2


def _inner_split(ctx: KvContext, s: Segment) -> int | None:
    """Index of the word that starts the value when ``s`` is "Label  value" (wide gap).

    The gap must be clearly wider than the word spacing on both sides of it (label and
    value fonts space words differently) and at least ~half the text height.
    """
    ids = s.word_ids
    if len(ids) < 2:
        return None
    gaps = [ctx.words[ids[k + 1]].bbox[0] - ctx.words[ids[k]].bbox[2] for k in range(len(ids) - 1)]
    k = max(range(len(gaps)), key=lambda n: gaps[n])
    left, right = gaps[:k], gaps[k + 1 :]
    typical = max(
        statistics.median(left) if left else 0.0,
        statistics.median(right) if right else 0.0,
        0.25 * s.height,
    )
    if gaps[k] < 0.45 * s.height or gaps[k] < 1.6 * typical:
        return None
    if not left and not right and ctx.page.source == PageSource.OCR and gaps[k] < 0.9 * s.height:
        # OCR boxes hug the ink, so an ordinary space measures ~half the type size; with
        # no other gap to compare, only a wide one splits two words.
        return None
    return k + 1


def _gap_pairs(ctx: KvContext) -> None:
    for row in ctx.rows:
        # Segments with no letter or digit (a scribble read as "—") are not labels or values.
        free = [
            s
            for s in row.segments
            if s.index not in ctx.used and any(c.isalnum() for c in ctx.text(s.word_ids))
        ]
        units: list[tuple[list[int], Segment]] = []
        for s in free:
            k = _inner_split(ctx, s)
            if k is not None and _label_like_ids(ctx, s.word_ids[:k]):
                units += [(s.word_ids[:k], s), (s.word_ids[k:], s)]
            else:
                units.append((s.word_ids, s))
        for a in range(0, len(units) - 1, 2):
            (kids, ks), (vids, vs) = units[a], units[a + 1]
            if ctx.cell_of[ks.index] != ctx.cell_of[vs.index] and ctx.cell_of[ks.index] >= 0:
                continue
            if not _label_like_ids(ctx, kids) or ctx.text(vids).endswith(":"):
                continue
            if ctx.emit(kids, vids, "right", "gap", 0.6):
                ctx.used.update((ks.index, vs.index))


def _label_like_ids(ctx: KvContext, ids: list[int]) -> bool:
    box = union([ctx.words[i].bbox for i in ids])
    return _label_like(ctx, Segment(ids, box, ctx.text(ids), 1.0, -1))


def _underlined(ctx: KvContext, s: Segment) -> bool:
    """A horizontal rule runs just under ``s`` (a fill-in line), across most of it."""
    for h in ctx.horizontal:
        y = (h[1] + h[3]) / 2
        overlap = min(h[2], s.bbox[2]) - max(h[0], s.bbox[0])
        if s.bbox[3] - 2 <= y <= s.bbox[3] + 0.8 * ctx.h and overlap >= 0.6 * (
            s.bbox[2] - s.bbox[0]
        ):
            return True
    return False


def _size(ctx: KvContext, s: Segment) -> float:
    """Median word height: one odd OCR box ("of" 40 px tall) does not make a heading."""
    return statistics.median(ctx.words[i].bbox[3] - ctx.words[i].bbox[1] for i in s.word_ids)


# -- 7. stacked -------------------------------------------------------------------------------
def _stacked_pairs(ctx: KvContext) -> None:
    for s in ctx.segments:
        if s.index in ctx.used or not _label_like(ctx, s):
            continue
        below = _below(ctx, s, strict=True)
        if below is None or _size(ctx, below) < 0.95 * _size(ctx, s):
            continue  # a heading over its first label is taller than what follows
        # Without a colon, two lines of text are a pair only with a sign of a form: a
        # fill-in rule under the value, or a label set smaller than its value.
        if not (_size(ctx, below) >= 1.08 * _size(ctx, s) or _underlined(ctx, below)):
            continue
        if ctx.emit(s.word_ids, below.word_ids, "below", "stacked", 0.6):
            ctx.used.update((s.index, below.index))
