"""Learning label phrasings from reviewers' corrections, and handing them to later jobs.

When a reviewer fills in a field the extractors missed, the label printed next to that
value on the page is what the extractors did not recognise. It is remembered for the
schema and handed to later jobs as ``ProcessingOptions.learned_hints``, so the next form
with the same phrasing is read without review.

Only the label is kept, never the value: a phrasing that contains the value, digits only,
or is long enough to be a sentence is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from idp.datamodel.record import Record
from idp.db.models import Document
from idp.geometry import overlap_of_smaller
from idp.review.models import LearnedPhrasing
from idp.storage import RecordStore
from idp.text import clean_phrasing, comparable_text

MAX_PHRASING_CHARS = 60
_MIN_VALUE_SIMILARITY = 88.0


def acceptable_phrasing(phrasing: str, value_text: str) -> bool:
    """Whether ``phrasing`` looks like a label rather than a value or a sentence."""
    if not phrasing or len(phrasing) > MAX_PHRASING_CHARS:
        return False
    if not re.search(r"[^\W\d_]", phrasing):  # at least one letter
        return False
    norm_label, norm_value = comparable_text(phrasing), comparable_text(value_text)
    return not (norm_value and norm_value in norm_label)


def _value_similarity(value_text: str, candidate: str) -> float:
    a, b = comparable_text(value_text), comparable_text(candidate)
    if not a or not b:
        return 0.0
    if a == b:
        return 100.0
    return float(fuzz.ratio(a, b))


def find_label_phrasing(
    record: Record | Mapping[str, Any],
    value_text: str,
    *,
    page: int | None = None,
    bbox: list[float] | None = None,
    layout_pages: list[dict[str, Any]] | None = None,
    known_hints: dict[str, list[str]] | None = None,
) -> tuple[str, dict[str, Any]] | None:
    """The label printed next to ``value_text`` on the page, and where it was found.

    Looks first at the record's key–value pairs (a pair whose value is the corrected text,
    or whose value box overlaps the box the reviewer gave), then, when the layout is at
    hand, at the text before the value on its line or the line just above it. Labels that
    are already hints of the schema (``known_hints``) belong to other fields and are passed
    over. When two different labels fit equally well, nothing is learned: a wrong lesson
    would mislead every later document.
    """
    hints = known_hints or {}
    scored: list[tuple[float, str, dict[str, Any]]] = []
    pairs = (
        [kv.model_dump() for kv in record.key_values]
        if isinstance(record, Record)
        else record.get("key_values") or []
    )
    for kv in pairs:
        if page is not None and kv.get("page") not in (None, page):
            continue
        similarity = _value_similarity(value_text, str(kv.get("value") or ""))
        overlap = overlap_of_smaller(bbox, kv.get("value_bbox"))
        if similarity < _MIN_VALUE_SIMILARITY and overlap < 0.5:
            continue
        # The reviewer's box, when given, outranks text alone (short values repeat).
        score = similarity + 50.0 * overlap
        phrasing = clean_phrasing(str(kv.get("key") or ""))
        if not acceptable_phrasing(phrasing, value_text) or conflicts_with_schema(
            phrasing, hints
        ):
            continue
        where = {"source": "key_value", "page": kv.get("page"), "value_bbox": kv.get("value_bbox")}
        scored.append((score, phrasing, where))
    if scored:
        scored.sort(key=lambda c: -c[0])
        top = [c for c in scored if c[0] == scored[0][0]]
        if len({comparable_text(c[1]) for c in top}) > 1:
            return None
        return scored[0][1], scored[0][2]
    for page_data in layout_pages or []:
        if page is not None and page_data.get("number") not in (None, page):
            continue
        found = _label_from_lines(page_data.get("lines") or [], value_text)
        if (
            found
            and acceptable_phrasing(found, value_text)
            and not conflicts_with_schema(found, hints)
        ):
            return found, {"source": "line", "page": page_data.get("number")}
    return None


def _label_from_lines(lines: list[dict[str, Any]], value_text: str) -> str | None:
    """Text before the value on its line, or the nearest line above that overlaps it."""
    target = comparable_text(value_text)
    if not target:
        return None
    for i, line in enumerate(lines):
        text = str(line.get("text") or "")
        norm = comparable_text(text)
        if target not in norm:
            continue
        # Cut the raw text where the value starts (first word of the value, case-folded).
        first_word = value_text.split()[0].casefold()
        pos = text.casefold().find(first_word)
        before = clean_phrasing(text[:pos]) if pos > 0 else ""
        if before:
            return before
        box = line.get("bbox")
        above = _line_above(lines[:i] + lines[i + 1 :], box)
        if above:
            return clean_phrasing(str(above.get("text") or ""))
    return None


def _line_above(lines: list[dict[str, Any]], box: list[float] | None) -> dict[str, Any] | None:
    if not box:
        return None
    best: tuple[float, dict[str, Any]] | None = None
    height = max(box[3] - box[1], 1e-6)
    for other in lines:
        ob = other.get("bbox")
        if not ob or ob[3] > box[1] + height * 0.2:
            continue
        gap = box[1] - ob[3]
        overlaps = min(ob[2], box[2]) > max(ob[0], box[0])
        if overlaps and gap < height * 3 and (best is None or gap < best[0]):
            best = (gap, other)
    return best[1] if best else None


def conflicts_with_schema(phrasing: str, schema_hints: dict[str, list[str]]) -> bool:
    """Whether the phrasing is already a hint of some field of the schema (this one or
    another: learning it would add nothing, or would steal another field's label)."""
    norm = comparable_text(phrasing)
    return any(
        comparable_text(hint) == norm for hints in schema_hints.values() for hint in hints
    )


def learn_from_correction(
    session: Session,
    store: RecordStore,
    record: Record,
    doc: Document,
    reviewer: str,
    field: str,
    text: str,
    old_value: Any,
    page: int | None,
    bbox: list[float] | None,
) -> dict[str, Any] | None:
    """Remember the label beside a value the extractors missed; where it was, or ``None``."""
    from idp.schemas import load_schema

    if not text or old_value is not None or not doc.schema_name:
        return None
    schema = load_schema(doc.schema_name)
    layout_pages = (record.layout or {}).get("pages") or store.layout_pages(doc.id)
    found = find_label_phrasing(
        record, text, page=page, bbox=bbox, layout_pages=layout_pages,
        known_hints={n: s.hints() for n, s in schema.fields.items()},
    )
    if found is None:
        return None
    phrasing, where = found
    norm = comparable_text(phrasing)
    existing = session.scalars(
        select(LearnedPhrasing).where(
            LearnedPhrasing.schema_name == doc.schema_name,
            LearnedPhrasing.field == field,
            LearnedPhrasing.normalised == norm,
        )
    ).first()
    if existing is not None:
        existing.times_seen += 1
    else:
        session.add(
            LearnedPhrasing(
                schema_name=doc.schema_name,
                field=field,
                phrasing=clean_phrasing(phrasing)[:100],
                normalised=norm[:100],
                learned_from=doc.id,
                learned_by=reviewer,
            )
        )
    return where


def learned_hints(session: Session, schema_name: str) -> dict[str, list[str]]:
    """Label phrasings learned for a schema, by field, most used first.

    The job runner puts this into ``ProcessingOptions.learned_hints`` when it processes a
    document of that schema.
    """
    rows = session.scalars(
        select(LearnedPhrasing)
        .where(LearnedPhrasing.schema_name == schema_name)
        .order_by(LearnedPhrasing.field, LearnedPhrasing.times_seen.desc(), LearnedPhrasing.id)
    )
    out: dict[str, list[str]] = {}
    for row in rows:
        out.setdefault(row.field, []).append(row.phrasing)
    return out
