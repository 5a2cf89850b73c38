"""Learning label phrasings from reviewers' corrections.

When a reviewer fills in a field the extractors missed, the label printed next to that
value on the page is what the extractors did not recognise. It is remembered for the
schema and handed to later jobs as ``ProcessingOptions.learned_hints``, so the next form
with the same phrasing is read without review.

Only the label is kept, never the value: a phrasing that contains the value, digits only,
or is long enough to be a sentence is refused.
"""

from __future__ import annotations

import re
from typing import Any

from rapidfuzz import fuzz

from idp.geometry import overlap_of_smaller
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
    record: dict[str, Any],
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
    for kv in record.get("key_values") or []:
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
