"""Why a field needs a reviewer: the per-field reasons the decide stage records.

A field is trusted as it is only when it has none. Reasons are computed from what the
earlier stages left on the result: the value, its validity and confidence against the
schema's threshold, the losing alternatives, and, for a signature, what the layout stage
saw on the line.
"""

from __future__ import annotations

from idp.datamodel import FieldResult, Page, ReviewReason
from idp.schemas import FieldSource, FieldSpec

DISAGREEMENT_SHARE = 0.9
"""An alternative with another value from another extractor this close to the winner's
confidence (and above the threshold itself) makes the reading ambiguous."""
SURE_SIGNATURE = 0.75
"""Below this the layout stage's reading of a signature line is unsure."""


def field_review_reasons(
    spec: FieldSpec, field: FieldResult | None, pages: list[Page]
) -> list[ReviewReason]:
    """The reasons ``field`` (the result for ``spec``) needs review, most serious first.

    An optional field with no value needs none; one with a value is held to the same
    standard as a required one, since a shown value must be right.
    """
    if field is None or field.value is None:
        return [ReviewReason.NOT_FOUND] if spec.required else []
    reasons: list[ReviewReason] = []
    if not field.valid:
        reasons.append(ReviewReason.INVALID)
    if field.confidence < spec.threshold:
        reasons.append(ReviewReason.BELOW_THRESHOLD)
    if _disagreement(spec, field):
        reasons.append(ReviewReason.EXTRACTORS_DISAGREE)
    if spec.source == FieldSource.SIGNATURE and _signature_unsure(field, pages):
        reasons.append(ReviewReason.SIGNATURE_UNSURE)
    return reasons


def _disagreement(spec: FieldSpec, field: FieldResult) -> bool:
    """Whether another extractor found a different value nearly as confidently."""
    floor = max(spec.threshold, DISAGREEMENT_SHARE * field.confidence)
    return any(
        alt.value is not None
        and alt.value != field.value
        and alt.extractor != field.extractor
        and alt.confidence >= floor
        for alt in field.alternatives
    )


def _signature_unsure(field: FieldResult, pages: list[Page]) -> bool:
    """Whether the signature line the field was read from shows a stamp or unsure ink."""
    page = next((p for p in pages if p.number == field.page), None)
    if page is None or field.bbox is None:
        return True
    for mark in page.signatures:
        if _close(page.relative(mark.bbox), field.bbox):
            return mark.kind == "stamp" or mark.confidence < SURE_SIGNATURE
    return True


def _close(a: list[float], b: list[float]) -> bool:
    return all(abs(x - y) <= 1e-3 for x, y in zip(a, b, strict=True))
