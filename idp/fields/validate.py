"""The validate and decide stages: per-field checks, cross-field rules, record status."""

from __future__ import annotations

from datetime import date
from typing import Any

from idp.datamodel import FieldResult, ProcessingResult, RecordStatus
from idp.fields.confidence import INVALID_FACTOR
from idp.normalise import check_rules, normalise_field
from idp.schemas import DocumentSchema, FieldSpec, FieldType, load_schema
from idp.settings import Settings

NOT_FOUND = "not found on the document"


def validate_value(spec: FieldSpec, value: Any, today: date | None = None) -> list[str]:
    """Errors for a field's (typed, canonical) value: type, format and the field's rules."""
    if spec.type == FieldType.BOOLEAN:
        return [] if isinstance(value, bool) else [f"{value!r} is not true or false"]
    if spec.type == FieldType.ENUM:
        return [] if value in spec.enum else [f"{value!r} is not one of {', '.join(spec.enum)}"]
    if spec.type == FieldType.INTEGER and not isinstance(value, int):
        return [f"{value!r} is not a whole number"]
    norm = normalise_field(spec, str(value), today)
    if norm.errors or norm.value is None:
        return norm.errors or [f"{value!r} is not a valid value"]
    if norm.value != value:
        return [f"{value!r} is not in canonical form (expected {norm.value!r})"]
    return check_rules(spec, value, today)


def cross_field_errors(
    schema: DocumentSchema, fields: dict[str, FieldResult]
) -> dict[str, list[str]]:
    """Errors from the schema's cross-field rules, by the field they are reported on."""
    out: dict[str, list[str]] = {}
    for rule in schema.cross_rules:
        first, second = fields.get(rule.first), fields.get(rule.second)
        if not first or not second or first.value is None or second.value is None:
            continue
        if rule.kind == "before" and not str(first.value) < str(second.value):
            out.setdefault(rule.first, []).append(
                f"{rule.first} ({first.value}) must be before {rule.second} ({second.value})"
            )
    return out


def validate_fields(
    result: ProcessingResult, settings: Settings, today: date | None = None
) -> None:
    """The validate stage: set each field's ``valid`` and readable ``errors``."""
    if not result.schema_name:
        return
    schema = load_schema(result.schema_name, settings)
    for name, spec in schema.fields.items():
        field = result.fields.setdefault(name, FieldResult(errors=[NOT_FOUND]))
        if field.value is None:
            field.valid = False
            field.confidence = 0.0
            if not field.errors:
                field.errors = [NOT_FOUND]
            continue
        was_valid = field.valid
        field.errors = validate_value(spec, field.value, today)
        field.valid = not field.errors
        if was_valid and not field.valid:
            field.confidence = round(field.confidence * INVALID_FACTOR, 4)
    for name, errors in cross_field_errors(schema, result.fields).items():
        field = result.fields[name]
        if field.valid:
            field.confidence = round(field.confidence * INVALID_FACTOR, 4)
        field.errors += errors
        field.valid = False


def decide_status(result: ProcessingResult, settings: Settings) -> None:
    """The decide stage: ``accepted`` only when every required field is valid and at or above
    its threshold; otherwise ``needs_review``. A failed document stays failed."""
    if not result.schema_name or result.status == RecordStatus.FAILED:
        return
    schema = load_schema(result.schema_name, settings)
    for name, spec in schema.fields.items():
        field = result.fields.get(name)
        if spec.required and (
            field is None or not field.valid or field.confidence < spec.threshold
        ):
            result.status = RecordStatus.NEEDS_REVIEW
            return
    result.status = RecordStatus.ACCEPTED


def fields_needing_review(schema: DocumentSchema, fields: dict[str, FieldResult]) -> list[str]:
    """Names of fields a reviewer should look at: invalid, or below their threshold."""
    return [
        name
        for name, spec in schema.fields.items()
        if (f := fields.get(name)) is None or not f.valid or f.confidence < spec.threshold
    ]
