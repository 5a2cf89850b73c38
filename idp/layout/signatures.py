"""Signature lines: a horizontal rule next to a "Signature"-like label, and whether ink
that is not recognised text sits on it (a handwritten mark).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from idp.datamodel import BBox, SignatureMark, Word
from idp.geometry import centre_in, union
from idp.layout.lines import Row, Segment
from idp.layout.rulings import PageImage

LABEL = re.compile(r"\b(sign|signs|signed|signature|signatory|signing|llofnod\w*)\b", re.IGNORECASE)
"""Any form of "sign" ("Signature", "Sign below", "Signed by", "Please sign") or "llofnod"."""
MIN_LINE_POINTS = 40.0
INK_THRESHOLD = 0.008
"""Share of the band above the line that must be unexplained ink to count as signed."""
UNDERSCORES = re.compile(r"^_{4,}$|^\.{8,}$")
TYPED_SIGNATURE = re.compile(r"^_*(?:[/|\\][s5]|[Il1][s5](?=[/|\\l1]))[/|\\Il1]?$", re.IGNORECASE)
"""``/s/`` before a typed name: an electronic signature by convention. Also as OCR reads its
slashes on a scan (``Isl``, ``_/s/``, ``|s|``), but only as a token of its own."""
PRINTED_WORD = re.compile(
    r"^[A-ZÀ-ÖØ-Þ](?:[a-zß-öø-ÿ]|['’][A-ZÀ-ÖØ-Þ])[A-Za-zÀ-ÖØ-öø-ÿ'’-]*[.,]?$"
)
"""A capitalised word ("Renée", "O'Brien"): printed text even when OCR reads it unsure,
where a scribble comes out as "ALS" or "~~ 2"."""
MIN_PRINTED_WORD = 0.5
"""Reading confidence from which a ``PRINTED_WORD`` on a scanned line counts as printed."""
STAMP_CONFIDENCE = 0.4
"""A stamp on a signature line: not the signatory's mark, and worth a reviewer's look."""
UNSEEN_CONFIDENCE = 0.5
"""No page image: drawn ink cannot be seen, so an unmarked line is only a guess."""
NOT_SIGNATURE = re.compile(r"\b(date|dyddiad|name|enw)\b", re.IGNORECASE)
""""Date signed" or "Name of signatory" labels a typed value, not the signature itself."""


def is_signature_label(text: str) -> bool:
    """Whether ``text`` labels a signature ("Signature", "Signed by", "Llofnod")."""
    return bool(LABEL.search(text)) and not NOT_SIGNATURE.search(text) and len(text) < 80


@dataclass
class FoundSignature:
    """A signature line with its label segment and anything typed on it."""

    mark: SignatureMark
    label_segment: int
    typed: str = ""
    typed_bbox: BBox | None = None


def find_signatures(
    rows: list[Row],
    segments: list[Segment],
    words: list[Word],
    horizontal: list[BBox],
    img: PageImage | None,
    vertical: list[BBox] | None = None,
) -> list[FoundSignature]:
    """Signature lines near a signature label, signed or not."""
    labels = [_label_part(s, words) for s in segments if is_signature_label(s.text)]
    if not labels:
        return []
    unit_pt = img.points_per_unit if img else 1.0
    pad = 1.5 / unit_pt
    # A signature line stands free; a rule that meets a vertical rule is a cell edge.
    lines = [
        h
        for h in horizontal
        if (h[2] - h[0]) * unit_pt >= MIN_LINE_POINTS
        and not any(_meets(h, v, pad) for v in vertical or [])
    ]
    # Rules crossing a band (a cell's top edge) are printed, not written: not a mark.
    rules = [
        (b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad) for b in horizontal + (vertical or [])
    ]
    for w in words:
        if UNDERSCORES.match(w.text):
            x0, _, x1, y1 = w.bbox
            lines.append((x0, y1 - 1, x1, y1))
    heights = sorted(r.height for r in rows) or [10.0]
    h_ref = heights[len(heights) // 2]
    found: list[FoundSignature] = []
    used_labels: set[int] = set()
    # OCR reads a scribble as "ALS" or "~~ 2" with middling confidence; only a confident
    # reading on a scan counts as a typed name (the ink decides the rest).
    min_typed = 0.85 if img is not None and img.scanned else 0.5
    # Every (label, line) that could belong together, best first; each is used once.
    options = sorted(
        (d, k, n, band)
        for k, label in enumerate(labels)
        for n, line in enumerate(lines)
        for d, band in [_relation(label, line, h_ref)]
        if d is not None
    )
    used_lines: set[int] = set()
    for _, k, n, band in options:
        label = labels[k]
        if label.index in used_labels or n in used_lines:
            continue
        used_labels.add(label.index)
        used_lines.add(n)
        in_band = [
            i
            for i, w in enumerate(words)
            if i not in label.word_ids and centre_in(w.bbox, band) and not UNDERSCORES.match(w.text)
        ]
        # "/s/ Jane Smith": the conventional typed signature of an electronic form.
        typed_s = [i for i in in_band if TYPED_SIGNATURE.match(words[i].text)]
        typed_ids = [
            i
            for i in in_band
            if sum(ch.isalnum() for ch in words[i].text) >= 2
            and (
                words[i].confidence >= min_typed
                or (words[i].confidence >= MIN_PRINTED_WORD and PRINTED_WORD.match(words[i].text))
            )
        ]
        if typed_s:
            typed_ids = sorted(set(typed_ids) | set(typed_s) | _after(typed_s[0], in_band, words))
        typed = " ".join(words[i].text for i in typed_ids)
        # A rule crossing the band and beyond it (a cell edge) is printed; a stroke
        # that stays inside the band may be the signature's own flat stretch.
        crossing = [r for r in rules if r[0] < band[0] - 2 * pad or r[2] > band[2] + 2 * pad]
        explained = [words[i].bbox for i in typed_ids] + [label.bbox] + crossing
        ink = _unexplained_ink(img, band, explained)
        kind, signed, conf = _judge(img is not None, ink, bool(typed_s), bool(typed_ids))
        typed_bbox = union([words[i].bbox for i in typed_ids]) if typed_ids else None
        mark = SignatureMark(
            bbox=band,
            signed=signed,
            confidence=round(conf, 3),
            label=label.text.strip().rstrip(":").strip(),
            label_bbox=label.bbox,
            kind=kind,
        )
        found.append(FoundSignature(mark, label.index, typed, typed_bbox))
    return found


def _label_part(seg: Segment, words: list[Word]) -> Segment:
    """The segment without its fill-in underscores (a text-layer signature line) or what
    OCR made of the signature itself ("—_—"): only words with a letter or digit."""
    ids = [i for i in seg.word_ids if not UNDERSCORES.match(words[i].text)]
    colon = next((n for n, i in enumerate(ids) if words[i].text.endswith(":")), None)
    if colon is not None:
        ids = ids[: colon + 1]  # "Signature: ALS": what follows the colon is the mark
    while ids and not any(c.isalnum() for c in words[ids[-1]].text):
        ids.pop()  # a scribble after the label, not "/" inside "Llofnod / Signature"
    if not ids or len(ids) == len(seg.word_ids):
        return seg
    box = union([words[i].bbox for i in ids])
    text = " ".join(words[i].text for i in ids)
    return Segment(ids, box, text, seg.confidence, seg.row, seg.index)


def _relation(label: Segment, line: BBox, h: float) -> tuple[float | None, BBox]:
    """How well ``label`` names ``line`` (lower is better, None: not at all), and the band
    above the line where a signature would be.

    The label may sit left of the line on its baseline, above its start (a signature box
    or a stacked form, the mark between them) or, least likely, just under it.
    """
    above = (line[0], line[1] - 3.0 * h, line[2], line[1])
    gap = line[0] - label.bbox[2]
    # Beside it on its baseline: near, or across a table cell or tab stop (up to ~25 em).
    if -h <= gap <= 25 * h and abs(label.bbox[3] - line[1]) <= 1.2 * h:
        return max(gap, 0.0), above
    rise = line[1] - label.bbox[3]
    # Above its start, with room for a signature between (a cell edge just under a
    # label leaves none).
    if 1.5 * h <= rise <= 4.5 * h and line[0] - 2 * h <= label.bbox[0] <= line[0] + 2 * h:
        return rise + h, (line[0], label.bbox[3], line[2], line[1])
    drop = label.bbox[1] - line[3]
    if 0 <= drop <= 1.6 * h and line[0] - 2 * h <= label.bbox[0] <= line[2]:
        return drop + 4 * h, above
    return None, above


def _meets(h: BBox, v: BBox, pad: float) -> bool:
    """Whether vertical rule ``v`` meets an end of horizontal rule ``h`` (a cell corner).

    Only the ends count: a steep stroke of a signature can pass for a short vertical rule
    where it comes down onto the middle of its line.
    """
    y = (h[1] + h[3]) / 2
    x = (v[0] + v[2]) / 2
    near_end = abs(x - h[0]) <= 2 * pad or abs(x - h[2]) <= 2 * pad
    return near_end and v[1] - pad <= y <= v[3] + pad


@dataclass
class Ink:
    """What is drawn in a signature band beyond recognised words and printed rules."""

    share: float
    """Share of the band's pixels that is unexplained ink, specks ignored."""
    outline: bool
    """Some of it is a hollow outline around an empty middle (a stamp's frame)."""


def _judge(seen: bool, ink: Ink | None, typed_s: bool, printed: bool) -> tuple[str, bool, float]:
    """(kind, signed, confidence) of a signature line from what sits on it.

    Only a drawn mark or a typed ``/s/ Name`` signs; a printed name alone, a stamp or
    nothing does not. A stamp, and ink near the threshold, stay unsure.
    """
    if typed_s:
        return "typed", True, 0.95
    if not seen or ink is None:
        return ("printed_name" if printed else "empty"), False, UNSEEN_CONFIDENCE
    if ink.outline:
        return "stamp", False, STAMP_CONFIDENCE
    conf = min(0.99, 0.6 + 0.4 * min(1.0, abs(ink.share - INK_THRESHOLD) / INK_THRESHOLD))
    if ink.share >= INK_THRESHOLD:
        return "drawn", True, conf
    return ("printed_name" if printed else "empty"), False, conf


def _after(first: int, in_band: list[int], words: list[Word]) -> set[int]:
    """The words on ``first``'s row to its right (the name after ``/s/``)."""
    y0, y1 = words[first].bbox[1], words[first].bbox[3]
    mid = (y0 + y1) / 2
    return {
        i
        for i in in_band
        if words[i].bbox[0] >= words[first].bbox[0] and words[i].bbox[1] <= mid <= words[i].bbox[3]
    }


def _unexplained_ink(img: PageImage | None, band: BBox, exclude: list[BBox]) -> Ink | None:
    """Ink in ``band`` not covered by recognised words, ignoring specks and the rule."""
    if img is None:
        return None
    import cv2

    x0, y0, x1, y1 = img.to_pixels(band)
    y1 -= img.px(1.5)  # keep the rule itself out of the band
    if x1 <= x0 or y1 <= y0:
        return Ink(0.0, False)
    patch = img.ink[y0:y1, x0:x1].copy()
    for b in exclude:
        bx0, by0, bx1, by1 = img.to_pixels(b)
        patch[max(0, by0 - y0) : max(0, by1 - y0), max(0, bx0 - x0) : max(0, bx1 - x0)] = 0
    n, labels, stats, _ = cv2.connectedComponentsWithStats(patch, connectivity=8)
    speck = max(4, img.px(1.0) ** 2)
    kept = [k for k in range(1, n) if stats[k][4] >= speck]
    ink = sum(int(stats[k][4]) for k in kept)
    outline = any(_is_outline(labels, stats[k], k, patch.shape[0]) for k in kept)
    return Ink(ink / patch.size, outline)


def _is_outline(labels: Any, stat: Any, k: int, band_height: int) -> bool:
    """Whether component ``k`` is a frame: tall in the band, wider than high, and with
    (almost) none of its ink in the middle of its own box. A pen stroke that rises and
    falls across the band crosses its middle; a stamp's border leaves it empty."""
    x, y, w, h, area = (int(v) for v in stat[:5])
    if h < 0.5 * band_height or w < h or area < 2 * (w + h) * 0.5:
        return False
    mx, my = max(1, w // 5), max(1, h // 5)
    middle = labels[y + my : y + h - my, x + mx : x + w - mx] == k
    return int(middle.sum()) <= 0.03 * area
