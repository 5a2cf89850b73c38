"""The extract stage: run the extractors, normalise and score candidates, pick winners.

Winners are chosen greedily over all fields at once, best score first, so one piece of
evidence on the page (a value box) can win only one field: a date printed next to
"Date of birth" cannot also become the application date.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from idp.datamodel import Alternative, FieldResult, ProcessingResult
from idp.extraction import RIVAL, Candidate, ExtractionContext, LabelMatcher
from idp.fields.confidence import candidate_confidence, with_agreement
from idp.schemas import DocumentSchema, load_schema
from idp.settings import Settings
from idp.text import clean_text, normalise_label
from idp.validation import NOT_FOUND, check_rules, normalise_value

log = logging.getLogger(__name__)

MAX_ALTERNATIVES = 3


@dataclass
class ScoredCandidate:
    """A candidate with its normalised value, validity and score."""

    candidate: Candidate
    value: Any
    errors: list[str]
    score: float

    @property
    def valid(self) -> bool:
        """Whether the value normalised cleanly and keeps the field's rules."""
        return self.value is not None and not self.errors


def _embedder_factory() -> Any:
    from idp.engines.embedder import get_embedder

    return get_embedder


def collect_candidates(
    result: ProcessingResult, schema: DocumentSchema, use_semantic: bool = True
) -> list[Candidate]:
    """Every extractor's candidates on every page; an extractor that fails is an error."""
    from idp.extraction.registry import get_extractors

    matcher = LabelMatcher(
        schema,
        learned_hints=result.options.learned_hints,
        embedder=_embedder_factory() if use_semantic else None,
    )
    context = ExtractionContext(schema=schema, labels=matcher, pages=result.pages)
    candidates: list[Candidate] = []
    for page in result.pages:
        for extractor in get_extractors():
            if extractor.name == "semantic" and not use_semantic:
                continue
            try:
                found = extractor.extract(page, context)
            except Exception as exc:  # one extractor failing must not lose the others' work
                log.exception("extractor %s failed on page %s", extractor.name, page.number)
                message = f"extractor {extractor.name} failed: {exc}"
                result.add_error("extract", message, page.number)
                continue
            candidates += [c for c in found if c.field in schema.fields]
    return candidates


def score_candidates(
    candidates: list[Candidate], schema: DocumentSchema, today: date | None = None
) -> list[ScoredCandidate]:
    """Each candidate normalised for its field, checked, and scored."""
    scored = []
    for cand in candidates:
        spec = schema.fields[cand.field]
        if cand.value is not None:  # typed by the extractor (a ticked box, a signature)
            value, errors = cand.value, list(cand.errors)
            if not errors:
                errors = check_rules(spec, value, today)
        else:
            norm = normalise_value(spec, cand.text, today)
            value, errors = norm.value, norm.errors
        scored.append(ScoredCandidate(cand, value, errors, 0.0))
    document_margins(scored)
    for sc in scored:
        sc.score = candidate_confidence(sc.candidate, sc.valid)
    return scored


def document_margins(scored: list[ScoredCandidate]) -> None:
    """Widen each label's margin over a rival field by what the rest of the form says.

    A label that names two fields almost equally well ("Given name(s)": first name 0.80,
    last name 0.75) is ambiguous on its own, but not on a form where another label names
    the rival better than anything else ("Surname / family name": last name 1.0, first
    name 0.81): reading the two labels the other way round would explain the form worse.
    The margin over a rival becomes the gap between the two readings (this label → its
    field and the other label → the rival, against the swap), never less than the label's
    own margin. Only a label whose best field is the rival, that can read its value and
    that is not this label printed again (same words) counts as the rival's home.
    """
    affinity: dict[tuple[str, str], float] = {}  # (label, field) → best label score
    homes: dict[str, dict[str, float]] = {}  # field → label → score, where the value reads
    words: dict[str, str] = {}  # label → its words, so one label read twice is one
    for sc in scored:
        cand = sc.candidate
        if cand.label_id is None:
            continue
        words[cand.label_id] = normalise_label(cand.label or "")
        key = (cand.label_id, cand.field)
        affinity[key] = max(affinity.get(key, 0.0), cand.label_score)
        if sc.valid:
            home = homes.setdefault(cand.field, {})
            home[cand.label_id] = max(home.get(cand.label_id, 0.0), cand.label_score)
        for name, score in cand.features.items():
            if name.startswith(RIVAL):
                pair = (cand.label_id, name[len(RIVAL):])
                affinity[pair] = max(affinity.get(pair, 0.0), score)
    best: dict[str, float] = {}  # label → its best field's score
    for (label, _), score in affinity.items():
        best[label] = max(best.get(label, 0.0), score)
    for sc in scored:
        cand = sc.candidate
        own = cand.features.get("margin")
        if own is None or cand.label_id is None:
            continue
        margins = []
        for name, rival_score in cand.features.items():
            if not name.startswith(RIVAL):
                continue
            swap = max(
                (score - affinity.get((other, cand.field), 0.0)
                 for other, score in homes.get(name[len(RIVAL):], {}).items()
                 if words[other] != words[cand.label_id] and score >= best[other]),
                default=0.0,
            )
            margins.append(cand.label_score - rival_score + max(swap, 0.0))
        if margins:
            cand.features["margin"] = max(own, min(margins))


def choose_winners(
    scored: list[ScoredCandidate], schema: DocumentSchema
) -> dict[str, FieldResult]:
    """One ``FieldResult`` per schema field: the best candidate, or null when none is left.

    A value that passes its field's checks beats one that does not, whatever their scores:
    a weakly labelled address is a better answer than a heading under a strong label.
    """
    ranked = sorted(scored, key=lambda s: (s.valid, s.score), reverse=True)
    winners: dict[str, ScoredCandidate] = {}
    claimed: dict[str, str] = {}  # value or label id → field that won it
    for sc in ranked:
        field, source, label = sc.candidate.field, sc.candidate.source_id, sc.candidate.label_id
        if field in winners or sc.value is None:
            continue
        if claimed.get(source, field) != field:
            continue
        if label is not None and claimed.get("label:" + label, field) != field:
            continue
        winners[field] = sc
        claimed[source] = field
        if label is not None:
            claimed["label:" + label] = field
    fields: dict[str, FieldResult] = {}
    for name in schema.fields:
        own = [s for s in ranked if s.candidate.field == name and s.value is not None]
        win = winners.get(name)
        if win is None:
            fields[name] = FieldResult(value=None, confidence=0.0, errors=[NOT_FOUND])
            continue
        supporting = _supporting(win, own)
        fields[name] = FieldResult(
            value=win.value,
            text=clean_text(win.candidate.text) or None,
            confidence=round(with_agreement(win.score, supporting), 4),
            page=win.candidate.page,
            bbox=win.candidate.bbox,
            extractor=win.candidate.extractor,
            label=clean_text(win.candidate.label) if win.candidate.label else None,
            valid=win.valid,
            errors=win.errors,
            alternatives=_alternatives(win, own),
        )
    return fields


def _supporting(win: ScoredCandidate, own: list[ScoredCandidate]) -> list[float]:
    """Scores of other evidence, from another extractor or place, for the winner's value."""
    seen = {(win.candidate.extractor, win.candidate.source_id)}
    out = []
    for sc in own:
        key = (sc.candidate.extractor, sc.candidate.source_id)
        if sc is win or key in seen or sc.value != win.value:
            continue
        if sc.candidate.source_id == win.candidate.source_id and sc.candidate.extractor in {
            "keyvalue",
            "semantic",
        } and win.candidate.extractor in {"keyvalue", "semantic"}:
            continue  # the same label read two ways is one piece of evidence
        seen.add(key)
        out.append(sc.score)
    return out


def _alternatives(win: ScoredCandidate, own: list[ScoredCandidate]) -> list[Alternative]:
    out: list[Alternative] = []
    values = {_key(win.value)}
    for sc in own:
        if _key(sc.value) in values:
            continue
        values.add(_key(sc.value))
        out.append(
            Alternative(
                value=sc.value,
                confidence=round(sc.score, 4),
                extractor=sc.candidate.extractor,
                text=clean_text(sc.candidate.text) or None,
                page=sc.candidate.page,
                bbox=sc.candidate.bbox,
            )
        )
        if len(out) == MAX_ALTERNATIVES:
            break
    return out


def _key(value: Any) -> str:
    return repr(value)


def extract_fields(result: ProcessingResult, settings: Settings) -> None:
    """The extract stage: fill ``result.fields`` and ``result.schema_version``."""
    if not result.schema_name:
        return
    schema = load_schema(result.schema_name, settings)
    result.schema_version = schema.version
    candidates = collect_candidates(result, schema)
    scored = score_candidates(candidates, schema)
    result.fields = choose_winners(scored, schema)
