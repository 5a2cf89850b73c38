"""Training examples: a page's words in reading order, values located on them, BIO tags.

Words carry boxes in the page's own units; ``PageWords`` knows the page size, so boxes can
be bucketed to 0–1000 whatever the resolution. Example values are found on the page by
matching their compact form (case-folded, letters and digits only) against the words in
reading order: every exact occurrence is tagged, and when there is none the best fuzzy
alignment is (OCR misreads a character or two), so nobody has to draw boxes.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from idp.datamodel import Page

Box = tuple[float, float, float, float]

FUZZY_MIN_SCORE = 85.0
"""rapidfuzz partial-ratio (0–100) a fuzzy alignment needs to count as the value."""


@dataclass(frozen=True)
class LayoutWord:
    """One word and its box ``(x0, y0, x1, y1)`` in page units, origin top-left."""

    text: str
    box: Box


@dataclass
class PageWords:
    """A page's words in reading order, with the page size in the same units."""

    words: list[LayoutWord]
    width: float
    height: float

    def buckets(self) -> list[tuple[int, int, int, int, int, int]]:
        """Each word's ``(x0, y0, x1, y1, w, h)`` scaled to 0–1000 of the page."""
        out = []
        for w in self.words:
            x0, y0, x1, y1 = w.box
            bx0, bx1 = _bucket(x0, self.width), _bucket(x1, self.width)
            by0, by1 = _bucket(y0, self.height), _bucket(y1, self.height)
            out.append((bx0, by0, bx1, by1, max(0, bx1 - bx0), max(0, by1 - by0)))
        return out


@dataclass
class FieldExample:
    """A page and the values it holds, by field name (a value may be missing)."""

    page: PageWords
    values: dict[str, str] = field(default_factory=dict)
    name: str = ""


def _bucket(v: float, size: float) -> int:
    if size <= 0:
        return 0
    return int(min(1000, max(0, round(1000 * v / size))))


def page_words_from_page(page: Page) -> PageWords:
    """The words of a pipeline ``Page`` (text layer or OCR) in reading order."""
    words = [LayoutWord(w.text, w.bbox) for w in page.words if w.text.strip()]
    return PageWords(reading_order(words), page.width, page.height)


def words_from_lines(lines: Iterable[tuple[str, Box]]) -> list[LayoutWord]:
    """Split text lines with one box each into words, the box apportioned by characters."""
    out: list[LayoutWord] = []
    for text, (x0, y0, x1, y1) in lines:
        parts = text.split()
        if not parts:
            continue
        total = len(text.strip()) or 1
        per_char = (x1 - x0) / total
        pos = 0
        stripped = text.strip()
        for part in parts:
            start = stripped.find(part, pos)
            end = start + len(part)
            pos = end
            out.append(LayoutWord(part, (x0 + start * per_char, y0, x0 + end * per_char, y1)))
    return out


def reading_order(words: Sequence[LayoutWord]) -> list[LayoutWord]:
    """Words grouped into visual lines (vertical overlap), lines top to bottom, words left
    to right: the same order for gold words and OCR words, so a model trained on one reads
    the other."""
    if not words:
        return []
    heights = [max(1.0, w.box[3] - w.box[1]) for w in words]
    tolerance = 0.5 * statistics.median(heights)
    lines: list[list[LayoutWord]] = []
    centres: list[float] = []
    for w in sorted(words, key=lambda w: (w.box[1] + w.box[3]) / 2):
        centre = (w.box[1] + w.box[3]) / 2
        if lines and abs(centre - centres[-1]) <= tolerance:
            lines[-1].append(w)
            n = len(lines[-1])
            centres[-1] += (centre - centres[-1]) / n
        else:
            lines.append([w])
            centres.append(centre)
    return [w for line in lines for w in sorted(line, key=lambda w: w.box[0])]


def compact(text: str) -> str:
    """Case-folded letters and digits only: what value matching compares."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\W_]+", "", text)


def locate_value(words: Sequence[LayoutWord], value: str) -> list[list[int]]:
    """Word-index spans where ``value`` is printed: every exact occurrence of its compact
    form that starts and ends on a word boundary (a currency letter glued to an amount may
    be left over), else the best fuzzy alignment if it is close enough; else none."""
    target = compact(value)
    if not target:
        return []
    pieces = [compact(w.text) for w in words]
    starts: list[int] = []
    owner: list[int] = []
    text = ""
    for i, piece in enumerate(pieces):
        starts.append(len(text))
        text += piece
        owner.extend([i] * len(piece))
    spans: list[list[int]] = []
    pos = text.find(target)
    while pos >= 0:
        end = pos + len(target)
        first, last = owner[pos], owner[end - 1]
        head = text[starts[first] : pos]
        tail = text[end : starts[last] + len(pieces[last])]
        if (head.isalpha() or not head) and (tail.isalpha() or not tail):
            spans.append(list(range(first, last + 1)))
        pos = text.find(target, pos + 1)
    if spans or len(target) < 6:
        return spans  # short values (amounts, dates) must match exactly
    from rapidfuzz import fuzz

    found = fuzz.partial_ratio_alignment(target, text, score_cutoff=FUZZY_MIN_SCORE)
    if found is None or found.dest_end <= found.dest_start:
        return []
    return [list(range(owner[found.dest_start], owner[found.dest_end - 1] + 1))]


def tag_names(fields: Sequence[str]) -> list[str]:
    """The BIO tag set: ``O`` then ``B-f``, ``I-f`` for each field in order."""
    tags = ["O"]
    for name in fields:
        tags += [f"B-{name}", f"I-{name}"]
    return tags


def bio_tags(example: FieldExample, fields: Sequence[str]) -> list[int]:
    """One tag index per word: the located spans of each field's value (a word already
    taken by an earlier field keeps that field)."""
    tags = [0] * len(example.page.words)
    for k, name in enumerate(fields):
        value = example.values.get(name)
        if not value:
            continue
        for span in locate_value(example.page.words, value):
            if any(tags[i] for i in span):
                continue
            tags[span[0]] = 1 + 2 * k
            for i in span[1:]:
                tags[i] = 2 + 2 * k
    return tags


@dataclass
class PairExample:
    """A form page with its question/answer entities and the links between them."""

    page: PageWords
    entities: list[tuple[str, list[int]]]
    """``(label, word indices)``; labels other than the model's entity labels are ignored."""
    links: list[tuple[int, int]]
    """``(question entity index, answer entity index)`` into ``entities``."""
    name: str = ""


def entity_tags(example: PairExample, labels: Sequence[str]) -> list[int]:
    """BIO tag indices per word from the entities (the first word in reading order is B)."""
    tags = [0] * len(example.page.words)
    for label, words in example.entities:
        if label not in labels or not words:
            continue
        k = labels.index(label)
        ordered = sorted(words)
        tags[ordered[0]] = 1 + 2 * k
        for i in ordered[1:]:
            tags[i] = 2 + 2 * k
    return tags
