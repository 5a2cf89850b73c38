"""From word tag probabilities to field values and to question/answer entities.

A field's value is the strongest run of consecutive words (in reading order) tagged with
that field — so a company name or an address spanning lines stays whole — and its
confidence is the run's mean tag probability. Amounts and dates are then cut out of the
run's text (``RM60.30`` → ``60.30``), since the model tags words, not characters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from idp.learn.dataset import PageWords, locate_value

AMOUNT_RE = re.compile(r"-?\d{1,3}(?:[ ,.]\d{3})*(?:[.,]\d{1,2})|-?\d+(?:[.,]\d{1,2})?")
DATE_RE = re.compile(
    r"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{2,4}"
    r"|\d{1,2}[ \-/.]?[A-Za-z]{3,9}[ \-/.,]*\d{2,4}"
    r"|[A-Za-z]{3,9}[ .]\d{1,2},? \d{2,4}"
)
MONEY_WORD_RE = re.compile(r"\d[.,]\d{2}(?!\d)")
"""An amount with two decimals inside a word (``60.30``, ``RM60.30``, ``60,30``)."""
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


def _text_blocks(scores: Sequence[float], lines: Sequence[int]) -> list[list[int]]:
    """Text fields (names, addresses) are printed as whole lines: a line most of whose
    words are tagged is taken, consecutive such lines join, and untagged words at the ends
    of a line are left off (a registration number printed after the company's name)."""
    by_line: dict[int, list[int]] = {}
    for i, line in enumerate(lines):
        by_line.setdefault(line, []).append(i)
    out: list[list[int]] = []
    previous = None
    for line in sorted(by_line):
        words = by_line[line]
        tagged = [i for i in words if scores[i] > 0.5]
        if len(tagged) < LINE_SHARE * len(words) or not tagged:
            continue
        kept = [i for i in words if tagged[0] <= i <= tagged[-1]]
        if out and previous == line - 1:
            out[-1].extend(kept)
        else:
            out.append(kept)
        previous = line
    return out


def _money_candidates(page: PageWords) -> list[list[int]]:
    """Every word holding an amount with decimals (``60.30``, ``RM60.30``); the total is
    the one the model scores highest, however low, rather than a run above 0.5."""
    return [[i] for i, w in enumerate(page.words) if MONEY_WORD_RE.search(w.text)]


def _date_candidates(page: PageWords, lines: Sequence[int]) -> list[list[int]]:
    """The words under every date-shaped stretch of a line's text that reads as a date
    (``10 MAR 2018`` spans three words, ``Date:25/12/2018`` is part of one)."""
    from idp.learn.compare import parse_any_date

    by_line: dict[int, list[int]] = {}
    for i, line in enumerate(lines):
        by_line.setdefault(line, []).append(i)
    out: list[list[int]] = []
    for words in by_line.values():
        text, owner = "", []
        for i in words:
            if text:
                text += " "
                owner.append(i)
            text += page.words[i].text
            owner.extend([i] * len(page.words[i].text))
        for match in DATE_RE.finditer(text):
            if parse_any_date(match.group(0)) is None:
                continue
            span = sorted(set(owner[match.start() : match.end()]))
            if span not in out:
                out.append(span)
    return out


def _candidates(
    page: PageWords, scores: Sequence[float], lines: Sequence[int], kind: str
) -> list[list[int]]:
    """Stretches of words that may be the value: whole tagged lines for text, every
    amount-shaped word for money, every readable date for dates; where the kind finds
    none, tagged runs grown to neighbours on their line scoring at least
    ``EXTEND_SCORE``."""
    seeds = runs(scores)
    if kind == "text":
        return _text_blocks(scores, lines) or seeds
    shaped = (
        _money_candidates(page)
        if kind == "money"
        else _date_candidates(page, lines)
        if kind == "date"
        else []
    )
    if shaped:
        return shaped
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
        return bool(MONEY_WORD_RE.search(text))
    if kind == "date":
        return bool(DATE_RE.search(text))
    return True


def _by_value(
    page: PageWords,
    candidates: list[list[int]],
    kind: str,
    mean: Callable[[list[int]], float],
    rank: Callable[[list[int]], tuple[bool, float]],
) -> tuple[list[int], str, float]:
    """Candidates pooled by the value they read as: a total printed three times (total,
    cash tendered, rounded) gathers the score of each, as training tags every occurrence
    (on sroie-dev this beats the single best word: total F1 0.62 → 0.64 and 0.64 → 0.68 on
    two models). Returns the best value's strongest occurrence, the value, and the pooled
    score (capped at 1) less the best rival value's as confidence."""
    from idp.learn.compare import same_value

    groups: list[tuple[str, list[list[int]]]] = []
    for span in candidates:
        text = " ".join(page.words[i].text for i in span)
        if not rank(span)[0]:
            continue
        value = cut_value(text, kind)
        for v, spans in groups:
            if same_value(kind, value, v):
                spans.append(span)
                break
        else:
            groups.append((value, [span]))
    if not groups:
        best = max(candidates, key=rank)
        return best, cut_value(" ".join(page.words[i].text for i in best), kind), mean(best)

    def pooled(spans: list[list[int]]) -> float:
        return min(1.0, sum(mean(s) for s in spans))

    ranked = sorted(groups, key=lambda g: pooled(g[1]), reverse=True)
    value, spans = ranked[0]
    best = max(spans, key=mean)
    rival = pooled(ranked[1][1]) if len(ranked) > 1 else 0.0
    return best, cut_value(" ".join(page.words[i].text for i in best), kind), max(
        0.0, pooled(spans) - rival
    )


def decode_fields(
    page: PageWords,
    probabilities: Sequence[Sequence[float]],
    fields: Sequence[str],
    kinds: Sequence[str],
) -> dict[str, FieldPrediction]:
    """The best value of each field found on the page; fields with no candidate are left
    out. ``probabilities`` is one row per word over the tags ``O, B-f1, I-f1, …``. Text
    fields take the tagged block with the most tag probability (its mean word score is
    the confidence); amounts and dates the value whose occurrences the model scores
    highest together, with that score less the best other value's as confidence (a total
    the model hesitates over between two amounts is not sure, however high both score)."""
    out: dict[str, FieldPrediction] = {}
    lines = line_numbers(page)
    for k, (name, kind) in enumerate(zip(fields, kinds, strict=True)):
        scores = [row[1 + 2 * k] + row[2 + 2 * k] for row in probabilities]
        candidates = _candidates(page, scores, lines, kind)
        if not candidates:
            continue

        def mean(span: list[int], scores: list[float] = scores) -> float:
            return sum(scores[i] for i in span) / len(span)

        def rank(
            span: list[int], kind: str = kind, scores: list[float] = scores
        ) -> tuple[bool, float]:
            text = " ".join(page.words[i].text for i in span)
            if kind == "text":
                return True, sum(scores[i] for i in span)
            return _fits(text, kind), mean(span)

        if kind == "text":
            best = max(candidates, key=rank)
            text = " ".join(page.words[i].text for i in best)
            value = cut_value(text, kind)
            confidence = mean(best)
        else:
            best, value, confidence = _by_value(page, candidates, kind, mean, rank)
            text = " ".join(page.words[i].text for i in best)
        boxes = [page.words[i].box for i in best]
        out[name] = FieldPrediction(
            text=value,
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


def printed_value(page: PageWords, kind: str, value: str) -> str:
    """``value`` as the page prints it: itself when it is found there; else, for amounts
    and dates, the first amount or date on the page that means the same (a reviewer's
    ``2018-03-25`` for a printed ``25/03/2018``); else itself."""
    if kind not in ("money", "date") or locate_value(page.words, value):
        return value
    from idp.learn.compare import same_value

    spans = (
        _money_candidates(page) if kind == "money" else _date_candidates(page, line_numbers(page))
    )
    for span in spans:
        text = cut_value(" ".join(page.words[i].text for i in span), kind)
        if same_value(kind, text, value):
            return text
    return value


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
