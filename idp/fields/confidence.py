"""How sure a candidate is: label match, reading confidence and validity in one number.

The number is a score, not yet a probability; each field's review threshold in the schema is
calibrated against it (``benchmarks/bench_fields.py --calibrate``) so that fields at or above
their threshold are right at least 98% of the time on forms not used for tuning.
"""

from __future__ import annotations

from idp.extraction import Candidate

INVALID_FACTOR = 0.4
"""A value that fails its format or rules keeps this share of its score."""
MARGIN_FULL = 0.3
"""A label this much closer to its best field than to the next one counts in full."""
AGREEMENT_WEIGHT = 0.3
"""How much a second, independent candidate with the same value adds."""


def candidate_confidence(candidate: Candidate, valid: bool) -> float:
    """The score of one candidate, 0–1."""
    label = candidate.label_score
    margin = candidate.features.get("margin")
    if margin is not None:
        # A label that names two fields almost equally well is weaker evidence for either.
        label *= 0.5 + 0.5 * min(max(margin, 0.0) / MARGIN_FULL, 1.0)
    reading = 0.5 + 0.5 * candidate.ocr_confidence
    score = label * reading
    # A "value" that reads like a field label is most likely the next field's label.
    value_is_label = candidate.features.get("value_is_label", 0.0)
    score *= 1.0 - 0.8 * min(max(value_is_label - 0.2, 0.0) / 0.5, 1.0)
    if candidate.errors:
        score *= 0.5
    if not valid:
        score *= INVALID_FACTOR
    return min(max(score, 0.0), 1.0)


def with_agreement(score: float, supporting: list[float]) -> float:
    """A winner's score raised by independent candidates that found the same value."""
    for other in sorted(supporting, reverse=True)[:2]:
        score = 1.0 - (1.0 - score) * (1.0 - AGREEMENT_WEIGHT * other)
    return min(score, 1.0)
