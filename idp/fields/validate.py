"""The validate and decide stages: the schema-bound validator applied to a result, and the
record's status from validity and confidence (the validator itself is ``idp.validation``)."""

from __future__ import annotations

from datetime import date

from idp.datamodel import ProcessingResult, RecordStatus, ReviewReason
from idp.fields.calibration import calibrate_result
from idp.fields.confidence import INVALID_FACTOR
from idp.fields.review_reasons import field_review_reasons
from idp.schemas import load_schema
from idp.settings import Settings
from idp.validation import cross_field_errors, validate_fields


def validate_result(
    result: ProcessingResult, settings: Settings, today: date | None = None
) -> None:
    """The validate stage: validate the result's fields against its schema; a value found
    valid at extraction that fails here loses confidence, a missing one has none; then the
    schema's calibration turns every score into a probability (``idp.fields.calibration``)."""
    if not result.schema_name:
        return
    schema = load_schema(result.schema_name, settings)
    was_valid = {name: field.valid for name, field in result.fields.items()}
    validate_fields(schema, result.fields, today)
    # A value broken only by a cross-field rule passed its own checks here, so it is
    # penalised even when extraction had doubted it.
    cross = cross_field_errors(schema, result.fields)
    for name, field in result.fields.items():
        if field.value is None:
            field.confidence = 0.0
        elif not field.valid and (was_valid.get(name, True) or field.errors == cross.get(name)):
            field.confidence = round(field.confidence * INVALID_FACTOR, 4)
    # Last of the stages that score values: from here on a confidence is a probability.
    calibrate_result(result, settings)


def decide_status(result: ProcessingResult, settings: Settings) -> None:
    """The decide stage: record why each field needs review (``review_reasons``) and why
    the document does; ``accepted`` only when there is no reason at all, otherwise
    ``needs_review``. A failed document stays failed.

    So a document is accepted only when every required field is valid and at or above
    its threshold, no present field fails a rule or is ambiguous, the pages read as the
    declared schema and no stage recorded an error.
    """
    if not result.schema_name or result.status == RecordStatus.FAILED:
        return
    schema = load_schema(result.schema_name, settings)
    reasons: list[ReviewReason] = [r for r in result.review_reasons if r != ReviewReason.FIELDS]
    any_field = False
    for name, spec in schema.fields.items():
        field = result.fields.get(name)
        field_reasons = field_review_reasons(spec, field, result.pages)
        if field is not None:
            field.review_reasons = field_reasons
        any_field = any_field or bool(field_reasons)
    if any_field:
        reasons.insert(0, ReviewReason.FIELDS)
    if result.errors and ReviewReason.ERRORS not in reasons:
        reasons.append(ReviewReason.ERRORS)
    result.review_reasons = reasons
    result.status = RecordStatus.NEEDS_REVIEW if reasons else RecordStatus.ACCEPTED
