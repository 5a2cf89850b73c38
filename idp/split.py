"""The split stage: an upload of several documents becomes documents (page ranges), each with
a type (a schema, or ``other`` for supporting evidence no schema describes) and confidences.

It runs on the laid-out pages, so it costs no OCR: every signal is read from the words and
lines already found.

- **Page type.** For every schema, the share of its fields whose label is on the page (the
  layout's keys and short lines, matched by the extraction's own ``LabelMatcher``, lexical and
  MiniLM — the classify stage's measure, per page). ``other`` scores the page as a letter:
  prose lines, a salutation ("Dear …") or a sign-off ("Yours sincerely"), or no schema's
  labels at all.
- **Boundary cues** between a page and the one before: "Page k of N" (k = 1 starts, k > 1
  continues), a salutation near the top, a sign-off on the page before, a page of another
  size, a schema's title in the first line, the same schema
  fields labelled again (a second receipt repeats "Date" and "Total"; a form's second page
  labels other fields), and a confident change of page type.

A page starts a new document when the cues add up to more than zero; the boundary's
confidence grows with the margin. A document's type is decided on all of its pages together.
A page that says nothing either way continues the document before it, so a single document
stays one document.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from idp.datamodel import BundleLink, DocumentType, Page, ProcessingResult, ReviewReason
from idp.extraction import LabelMatcher
from idp.schemas import DocumentSchema
from idp.text import normalise_label

OTHER = "other"
"""The type of a document no schema describes (a supporting letter, a statement)."""
FOUND = 0.7
"""A field counts as labelled on a page at or above this match score."""
MIN_COVERAGE = 0.25
"""Below this share of its fields' labels on a page, a schema does not describe it (as in
the classify stage)."""
TYPE_CHANGE_MARGIN = 0.15
"""A page's type counts as a change of document only when it leads the document's type by
this much on that page (a form's declaration page may read a little like a receipt)."""
TYPE_SURE_MARGIN = 0.15
"""A type that leads the runner-up by this much on its pages is sure (confidence 1). Label
coverage runs close between related schemas: on generated bundles an application form's
pages gave the application schema 0.64–1.0 and parking_permit 0.19–0.25 less."""
SPLIT_REVIEW_BELOW = 0.6
"""A document whose boundaries are less sure than this goes to review (``split_unsure``)."""
TYPE_REVIEW_BELOW = 0.6
"""A document whose type is less sure than this goes to review (``type_unsure``)."""

_PAGE_OF = re.compile(r"\bpage\s*(\d{1,3})\s*(?:of|/)\s*(\d{1,3})\b", re.IGNORECASE)
_SALUTATION = re.compile(r"^\s*(dear\b|to whom it may concern)", re.IGNORECASE)
_SIGN_OFF = re.compile(
    r"^\s*(yours\s+(sincerely|faithfully|truly)|kind(est)?\s+regards|best\s+regards|"
    r"regards,|cofion|yn\s+gywir)", re.IGNORECASE,
)


@dataclass
class PageSignals:
    """What one page says about its type and whether it starts a document."""

    number: int
    scores: dict[str, float]
    """Type → 0–1: every schema's coverage of the page and ``other``'s letter score."""
    found: dict[str, set[str]]
    """Schema → fields labelled on the page (match ≥ ``FOUND``)."""
    top: str = ""
    """The page's first line, normalised (a title or a letterhead)."""
    page_of: tuple[int, int] | None = None
    """A "Page k of N" marker on the page."""
    salutation: bool = False
    """A "Dear …" line in the top half."""
    sign_off: bool = False
    """A "Yours sincerely" line."""
    size: tuple[float, float] = (0.0, 0.0)
    """The upright page's width and height (a receipt slip is not an A4 sheet)."""

    @property
    def best(self) -> str:
        return max(self.scores, key=lambda k: self.scores[k])


@dataclass
class Part:
    """One document of an upload: its pages (counted from 1 in the upload) and type."""

    first: int
    last: int
    schema: str | None = None
    """The document's schema, or None for ``other``."""
    type_confidence: float = 0.0
    """0–1: how far the best type leads the runner-up on the document's pages."""
    split_confidence: float = 1.0
    """0–1: the least sure of the boundaries that delimit this document."""
    scores: dict[str, float] = field(default_factory=dict)
    """Every type's score on the document's pages (``other`` included)."""
    corrected_by: str | None = None
    """The reviewer who set these pages or this type, when one did."""

    @property
    def pages(self) -> list[int]:
        return [self.first, self.last]


def _labels(page: Page) -> list[str]:
    labels = [kv.key for kv in page.key_values]
    labels += [line.text for line in page.lines if len(line.text) < 80]
    return list(dict.fromkeys(label for label in labels if label.strip()))


def _letter_score(page: Page, salutation: bool, sign_off: bool) -> float:
    """How much the page reads as running prose: a letter, a statement, a note."""
    lines = [line.text for line in page.lines if line.text.strip()]
    if not lines:
        return 0.0
    prose = sum(1 for text in lines if len(text.split()) >= 8) / len(lines)
    return min(1.0, 0.9 * prose + 0.35 * salutation + 0.35 * sign_off)


def page_signals(page: Page, matchers: dict[str, LabelMatcher]) -> PageSignals:
    """Type scores and boundary cues of one laid-out page."""
    labels = _labels(page)
    scores: dict[str, float] = {}
    found: dict[str, set[str]] = {}
    for name, matcher in matchers.items():
        best = matcher.best_per_field(labels) if labels and matcher.schema.fields else {}
        scores[name] = round(sum(best.values()) / max(len(matcher.schema.fields), 1), 4)
        found[name] = {f for f, s in best.items() if s >= FOUND}
    lines = [line for line in page.lines if line.text.strip()]
    top_half = [ln for ln in lines if (ln.bbox[1] + ln.bbox[3]) / 2 < page.height * 0.5]
    salutation = any(_SALUTATION.match(ln.text) for ln in top_half)
    sign_off = any(_SIGN_OFF.match(ln.text) for ln in lines)
    page_of = None
    for ln in lines:
        m = _PAGE_OF.search(ln.text)
        if m and 0 < int(m.group(1)) <= int(m.group(2)):
            page_of = (int(m.group(1)), int(m.group(2)))
            break
    letter = _letter_score(page, salutation, sign_off)
    if not scores or max(scores.values()) < MIN_COVERAGE:
        letter = max(letter, MIN_COVERAGE)
    scores[OTHER] = round(letter, 4)
    top = normalise_label(lines[0].text) if lines else ""
    return PageSignals(page.number, scores, found, top, page_of, salutation, sign_off,
                       (page.width, page.height))


def _titles(schemas: dict[str, DocumentSchema]) -> dict[str, list[str]]:
    out = {}
    for name, schema in schemas.items():
        titles = [schema.title, *schema.titles.values()]
        out[name] = [t for t in dict.fromkeys(normalise_label(t) for t in titles if t) if t]
    return out


def _starts_with_title(page: PageSignals, titles: list[str]) -> bool:
    """Whether the page's first line names the type: it holds a title's longest word
    ("Household support application" for "Application form")."""
    words = set(page.top.split())
    return any(max(t.split(), key=len) in words for t in titles) if page.top else False


def _other_size(page: PageSignals, previous: PageSignals) -> bool:
    """Whether the two pages differ in size by more than 15 % either way."""
    (w1, h1), (w0, h0) = page.size, previous.size
    if not (w0 and h0 and w1 and h1):
        return False
    return abs(w1 - w0) > 0.15 * max(w1, w0) or abs(h1 - h0) > 0.15 * max(h1, h0)


def boundary_score(
    page: PageSignals, previous: PageSignals, current: list[PageSignals],
    titles: dict[str, list[str]],
) -> float:
    """Above zero: ``page`` starts a new document after ``previous``; ``current`` are the
    pages of the document so far. The size says how sure."""
    score = 0.0
    if page.page_of is not None:
        score += 1.2 if page.page_of[0] == 1 else -1.2
    elif previous.page_of is not None and previous.page_of[0] < previous.page_of[1]:
        score -= 1.0
    if page.salutation:
        score += 0.9
    if previous.sign_off:
        score += 0.6
    if _other_size(page, previous):
        score += 0.5
    kind = _document_type(current)
    if page.best != OTHER and _starts_with_title(page, titles.get(page.best, [])):
        score += 0.8
    # The same first line as the document's first page is no cue: statements and forms
    # repeat their header on every page.
    if kind != OTHER:
        seen = set().union(*(p.found.get(kind, set()) for p in current))
        again = page.found.get(kind, set()) & seen
        if len(again) >= 2 and len(again) >= 0.4 * max(len(page.found.get(kind, set())), 1):
            score += 0.7
    best = page.best
    if best != kind:
        lead = page.scores[best] - page.scores.get(kind, 0.0)
        if lead >= TYPE_CHANGE_MARGIN:
            # Alone, only a clear change starts a document: a form's later page (a table,
            # a declaration with a date) may read a little like another type.
            score += 2 * lead - 0.4
    else:
        score -= 0.3
    return score


def _document_type(pages: list[PageSignals]) -> str:
    totals = _type_scores(pages)
    return max(totals, key=lambda k: totals[k])


def _type_scores(pages: list[PageSignals]) -> dict[str, float]:
    """Each type's best page score within a document: a form's first page names it, its
    later pages (a table, a declaration) say less and must not outvote it."""
    totals: dict[str, float] = {}
    for page in pages:
        for name, score in page.scores.items():
            totals[name] = max(totals.get(name, 0.0), score)
    return {k: round(v, 4) for k, v in totals.items()}


def _decide_type(totals: dict[str, float]) -> tuple[str, float]:
    """The best type and its confidence: 0.5 when the runner-up ties, 1 when the best
    leads by ``TYPE_SURE_MARGIN`` or more (a margin scale, not a probability)."""
    ranked = sorted(totals.values(), reverse=True) + [0.0]
    kind = max(totals, key=lambda k: totals[k])
    margin = ranked[0] - ranked[1]
    return kind, min(1.0, 0.5 + margin / (2 * TYPE_SURE_MARGIN))


def split_signals(
    signals: list[PageSignals], titles: dict[str, list[str]] | None = None
) -> list[Part]:
    """Page ranges with types and confidences from each page's signals, in page order."""
    if not signals:
        return []
    titles = titles or {}
    groups: list[list[PageSignals]] = [[signals[0]]]
    sureness: list[float] = [1.0]  # of the boundary before each group
    within: list[float] = [1.0]  # least sure "no boundary" decision inside each group
    for previous, page in zip(signals, signals[1:], strict=False):
        score = boundary_score(page, previous, groups[-1], titles)
        sure = min(1.0, 0.5 + abs(score) / 2)
        if score > 0:
            groups.append([page])
            sureness.append(sure)
            within.append(1.0)
        else:
            groups[-1].append(page)
            within[-1] = min(within[-1], sure)
    parts = []
    for i, group in enumerate(groups):
        totals = _type_scores(group)
        kind, confidence = _decide_type(totals)
        after = sureness[i + 1] if i + 1 < len(groups) else 1.0
        parts.append(Part(
            first=group[0].number, last=group[-1].number,
            schema=None if kind == OTHER else kind,
            type_confidence=round(confidence, 4),
            split_confidence=round(min(sureness[i], after, within[i]), 4),
            scores=totals,
        ))
    return parts




def part_id(upload_id: str, index: int) -> str:
    """The document id of the ``index``-th document (from 1) of an upload: fixed by the
    upload's id, so processing the upload again rewrites the same documents."""
    return str(uuid.uuid5(uuid.UUID(upload_id) if _is_uuid(upload_id) else uuid.NAMESPACE_URL,
                          f"{upload_id}/{index}"))


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _renumbered(page: Page, number: int) -> Page:
    moved = page.model_copy(update={"number": number})
    moved.key_values = [kv.model_copy(update={"page": number}) for kv in page.key_values]
    moved.possible_pairs = [kv.model_copy(update={"page": number}) for kv in page.possible_pairs]
    return moved


def part_result(upload: ProcessingResult, part: Part, index: int, count: int) -> ProcessingResult:
    """A document of ``upload`` as a result of its own: only its pages (numbered from 1),
    its type as schema, and the link back to the upload. Extraction on it cannot see, and so
    cannot take a value from, another document's pages."""
    pages = [p for p in upload.pages if part.first <= p.number <= part.last]
    options = upload.options.model_copy(update={"schema_name": part.schema})
    if part.schema != upload.options.schema_name:
        options.learned_hints = {}  # taught for the declared schema, not this one
    source = upload.source.model_copy(update={"pages": len(pages)})
    result = ProcessingResult(
        id=part_id(upload.id, index),
        source=source,
        options=options,
        schema_name=part.schema,
        pages=[_renumbered(p, i) for i, p in enumerate(pages, start=1)],
        bundle=BundleLink(upload_id=upload.id, index=index, count=count, pages=part.pages),
        document_type=DocumentType(
            schema=part.schema, confidence=part.type_confidence,
            split_confidence=part.split_confidence, candidates=part.scores,
            corrected_by=part.corrected_by,
        ),
    )
    for error in upload.errors:
        if error.page is not None and part.first <= error.page <= part.last:
            result.add_error(error.stage, error.message, error.page - part.first + 1)
    if part.split_confidence < SPLIT_REVIEW_BELOW:
        result.review_reasons.append(ReviewReason.SPLIT_UNSURE)
    if part.type_confidence < TYPE_REVIEW_BELOW:
        result.review_reasons.append(ReviewReason.TYPE_UNSURE)
    return result


def given_parts(
    signals: list[PageSignals], ranges: list[list[int]], types: list[str | None] | None,
    by: str | None = None,
) -> list[Part]:
    """Documents whose pages (and maybe types) a reviewer set: sure by definition; a type
    not given is still found from the pages."""
    by_number = {s.number: s for s in signals}
    parts = []
    for i, (first, last) in enumerate(ranges):
        group = [by_number[n] for n in range(first, last + 1) if n in by_number]
        totals = _type_scores(group) if group else {}
        if types is not None and i < len(types):
            schema, confidence = types[i], 1.0
        else:
            kind, confidence = _decide_type(totals) if totals else (OTHER, 0.0)
            schema = None if kind == OTHER else kind
        parts.append(Part(first, last, schema, round(confidence, 4), 1.0, totals, by))
    return parts


def find_parts(
    result: ProcessingResult, schemas: dict[str, DocumentSchema],
    embedder: Callable[[], Any] | None = None,
) -> list[Part]:
    """The split stage's decision for a laid-out result: the reviewer's page ranges when
    the options carry them, else what the pages say."""
    matchers = {name: LabelMatcher(schema, embedder=embedder) for name, schema in schemas.items()}
    signals = [page_signals(page, matchers) for page in result.pages]
    ranges = result.options.page_ranges
    if ranges:
        return given_parts(signals, ranges, result.options.page_types, result.options.split_by)
    return split_signals(signals, _titles(schemas))
