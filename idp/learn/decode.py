"""From word tag probabilities to field values and to question/answer entities.

A field's value is the strongest run of consecutive words (in reading order) tagged with
that field — so a company name or an address spanning lines stays whole — and its
confidence is the run's mean tag probability. Amounts and dates are then cut out of the
run's text (``RM60.30`` → ``60.30``), since the model tags words, not characters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from idp.learn.dataset import PageWords

AMOUNT_RE = re.compile(r"-?\d{1,3}(?:[ ,.]\d{3})*(?:[.,]\d{1,2})|-?\d+(?:[.,]\d{1,2})?")
DATE_RE = re.compile(
    r"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{2,4}"
    r"|\d{1,2}[ \-/.]?[A-Za-z]{3,9}[ \-/.,]*\d{2,4}"
    r"|[A-Za-z]{3,9}[ .]\d{1,2},? \d{2,4}"
)
FIELD_KINDS = ("text", "money", "date")
"""How a value is cut from its words: all of them, the last amount, the first date."""


@dataclass
class FieldPrediction:
    """One field's value as the model reads it."""

    text: str
    """The value cut out of the tagged words."""
    confidence: float
    """Mean tag probability of the words, 0–1 (compared with the calibrated threshold)."""
    words: list[int]
    """Indices of the words it came from, in reading order."""
    box: tuple[float, float, float, float]
    """Box around those words, in page units."""


def runs(scores: Sequence[float], threshold: float = 0.5) -> list[list[int]]:
    """Maximal stretches of consecutive words scoring above ``threshold``."""
    out: list[list[int]] = []
    current: list[int] = []
    for i, s in enumerate(scores):
        if s > threshold:
            current.append(i)
        elif current:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def cut_value(text: str, kind: str) -> str:
    """The part of a run's text that is the value: the last amount for money (the total
    is printed after its label and currency), the first date-like stretch for dates."""
    if kind == "money":
        found = AMOUNT_RE.findall(text)
        return found[-1] if found else text
    if kind == "date":
        match = DATE_RE.search(text)
        return match.group(0) if match else text
    return text


EXTEND_SCORE = 0.15
"""A word next to a tagged stretch on the same line joins it from this score on."""
LINE_SHARE = 0.5
"""For text fields, a line is taken whole when this share of its words is tagged."""


def line_numbers(page: PageWords) -> list[int]:
    """The visual line of each word, from the reading order (a line starts where the next
    word does not continue to the right)."""
    out: list[int] = []
    line = 0
    for i, word in enumerate(page.words):
        if i:
            prev = page.words[i - 1].box
            height = max(1.0, prev[3] - prev[1])
            centre_gap = abs((word.box[1] + word.box[3]) - (prev[1] + prev[3])) / 2
            if word.box[0] < prev[0] or centre_gap > height:
                line += 1
        out.append(line)
    return out


def _candidates(scores: Sequence[float], lines: Sequence[int], kind: str) -> list[list[int]]:
    """Stretches of words that may be the value. Text fields (names, addresses) are
    printed as whole lines, so a line most of whose words are tagged is taken whole and
    consecutive such lines join; other values grow from a tagged stretch to neighbours on
    its line that score at least ``EXTEND_SCORE`` (``10 MAR 2018`` read as three words)."""
    seeds = runs(scores)
    if kind == "text":
        by_line: dict[int, list[int]] = {}
        for i, line in enumerate(lines):
            by_line.setdefault(line, []).append(i)
        taken = sorted(
            line
            for line, words in by_line.items()
            if sum(scores[i] > 0.5 for i in words) >= LINE_SHARE * len(words)
        )
        out: list[list[int]] = []
        for line in taken:
            if out and lines[out[-1][-1]] == line - 1:
                out[-1].extend(by_line[line])
            else:
                out.append(list(by_line[line]))
        return out or seeds
    grown = []
    for seed in seeds:
        first, last = seed[0], seed[-1]
        while first > 0 and lines[first - 1] == lines[first] and scores[first - 1] >= EXTEND_SCORE:
            first -= 1
        while (
            last + 1 < len(scores)
            and lines[last + 1] == lines[last]
            and scores[last + 1] >= EXTEND_SCORE
        ):
            last += 1
        grown.append(list(range(first, last + 1)))
    return grown


def _fits(text: str, kind: str) -> bool:
    """Whether a stretch's text holds a value of the kind at all (amounts with decimals,
    something shaped like a date)."""
    if kind == "money":
        return bool(re.search(r"\d[.,]\d{2}\b", text))
    if kind == "date":
        return bool(DATE_RE.search(text))
    return True


def decode_fields(
    page: PageWords,
    probabilities: Sequence[Sequence[float]],
    fields: Sequence[str],
    kinds: Sequence[str],
) -> dict[str, FieldPrediction]:
    """The best value of each field found on the page; fields with no tagged word are left
    out. ``probabilities`` is one row per word over the tags ``O, B-f1, I-f1, …``. Among
    the candidate stretches, those whose text can be a value of the field's kind win over
    those that cannot; then the one with the most tag probability."""
    out: dict[str, FieldPrediction] = {}
    lines = line_numbers(page)
    for k, (name, kind) in enumerate(zip(fields, kinds, strict=True)):
        scores = [row[1 + 2 * k] + row[2 + 2 * k] for row in probabilities]
        candidates = _candidates(scores, lines, kind)
        if not candidates:
            continue

        def rank(
            span: list[int], kind: str = kind, scores: list[float] = scores
        ) -> tuple[bool, float]:
            text = " ".join(page.words[i].text for i in span)
            return _fits(text, kind), sum(scores[i] for i in span)

        best = max(candidates, key=rank)
        text = " ".join(page.words[i].text for i in best)
        boxes = [page.words[i].box for i in best]
        confidence = sum(scores[i] for i in best) / len(best)
        out[name] = FieldPrediction(
            text=cut_value(text, kind),
            confidence=confidence if _fits(text, kind) else confidence / 2,
            words=best,
            box=(
                min(b[0] for b in boxes),
                min(b[1] for b in boxes),
                max(b[2] for b in boxes),
                max(b[3] for b in boxes),
            ),
        )
    return out


def decode_entities(
    page: PageWords, tags: Sequence[int], labels: Sequence[str]
) -> list[tuple[str, list[int]]]:
    """Entities ``(label, word indices)`` from per-word BIO tag indices. Reading order
    interleaves entities that sit side by side, so an ``I`` word joins the latest entity of
    its label that ends close above or just left of it, not merely the previous word."""
    entities: list[tuple[str, list[int]]] = []
    for i, tag in enumerate(tags):
        if tag == 0:
            continue
        label = labels[(tag - 1) // 2]
        inside = (tag - 1) % 2 == 1
        target = None
        if inside:
            for e_label, words in reversed(entities[-6:]):
                if e_label == label and _continues(page, words, i):
                    target = words
                    break
        if target is None:
            entities.append((label, [i]))
        else:
            target.append(i)
    return entities


def _continues(page: PageWords, words: list[int], i: int) -> bool:
    x0, y0, x1, y1 = page.words[i].box
    h = max(1.0, y1 - y0)
    last = page.words[words[-1]].box
    same_line = abs((last[1] + last[3]) / 2 - (y0 + y1) / 2) < 0.6 * h
    if same_line:
        return 0 <= x0 - last[2] < 3 * h
    left = min(page.words[j].box[0] for j in words)
    right = max(page.words[j].box[2] for j in words)
    below = 0 <= y0 - last[3] < 1.2 * h
    return below and x0 < right + h and x1 > left - h
