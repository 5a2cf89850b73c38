"""``KeyValueExtractor``: a label that matches a field's hints, and the value beside it."""

from __future__ import annotations

from idp.datamodel import KeyValue, Page
from idp.extraction import (
    RIVAL,
    Candidate,
    ExtractionContext,
    normalise_confidence,
    source_id,
)
from idp.validation import normalise_field

MAX_FIELDS_PER_LABEL = 3
SECOND_FIELD_MARGIN = 0.25
"""A label's runner-up field is proposed when it is about as good as the best one…"""
MIN_FALLBACK_SCORE = 0.05
"""…or, with at least this score, when the best field cannot read the value at all."""


def pair_candidates(
    pair: KeyValue,
    scores: dict[str, float],
    value_scores: dict[str, float],
    extractor: str,
    context: ExtractionContext,
) -> list[Candidate]:
    """Candidates for the fields one pair's label most likely names.

    The best field always gets one; the runner-ups only when the label is ambiguous between
    them or when the best field rejects the value (a number under a label that sounds like
    an address is more likely the household size).
    """
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:MAX_FIELDS_PER_LABEL]
    if not ranked:
        return []
    accepts = {
        name: normalise_field(context.schema.fields[name], pair.value).ok for name, _ in ranked
    }
    rejected = False
    out = []
    for rank, (name, score) in enumerate(ranked):
        if rank > 0:
            close = ranked[0][1] - score <= SECOND_FIELD_MARGIN
            if not (close or (rejected and score >= MIN_FALLBACK_SCORE)):
                break
        if not accepts[name]:
            rejected = True
        # A label is ambiguous only between fields that could hold this value: "Where you
        # live" is as close to phone as to address, but an address is no phone number.
        rivals = {other: s for other, s in ranked if other != name and accepts[other]}
        margin = score - max(rivals.values(), default=0.0)
        out.append(
            Candidate(
                field=name,
                text=pair.value,
                page=pair.page,
                bbox=pair.value_bbox,
                extractor=extractor,
                label=pair.key,
                label_score=score,
                ocr_confidence=normalise_confidence(pair.confidence),
                source_id=source_id(pair.page, pair.value_bbox),
                label_id=source_id(pair.page, pair.key_bbox),
                features={
                    "margin": margin,
                    # Each rival's score, so the extract stage can see whether another
                    # label on the form names that rival better (``document_margins``).
                    **{RIVAL + other: s for other, s in rivals.items()},
                    # Reading like another field's label (an address value resembles the
                    # "Address" hint, and that is no fault).
                    "value_is_label": max(
                        (v for f, v in value_scores.items() if f != name), default=0.0
                    ),
                },
            )
        )
    return out


def value_label_scores(pair: KeyValue, context: ExtractionContext) -> dict[str, float]:
    """How much a pair's value reads like each field's label (it may be the next label)."""
    scores = dict(context.labels.lexical(pair.value))
    if any(ch.isalpha() for ch in pair.value):
        for name, score in context.labels.semantic(pair.value).items():
            scores[name] = max(scores.get(name, 0.0), score)
    return scores


class KeyValueExtractor:
    """Pairs whose label agrees, exactly or fuzzily, with a hint or a learned phrasing."""

    name = "keyvalue"

    def extract(self, page: Page, context: ExtractionContext) -> list[Candidate]:
        """Candidates from label–value pairs with a lexically matching label."""
        out: list[Candidate] = []
        for pair in context.pairs(page):
            scores = context.labels.lexical(pair.key)
            if not scores:
                continue
            out += pair_candidates(
                pair, scores, value_label_scores(pair, context), self.name, context
            )
        return out
