"""The one schema-bound validator: every value, whoever set it, passes the same checks.

``normalise_value`` turns text (a candidate's evidence or a reviewer's correction) into the
field's canonical value with what is wrong with it; ``validate_fields`` checks a set of
fields against their schema — type, format, the field's rules and the schema's cross-field
rules. The pipeline's validate stage and review's corrections both call them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from idp.datamodel import FieldResult
from idp.normalise import Normalised, check_rules, normalise_field
from idp.schemas import DocumentSchema, FieldSpec, FieldType

NOT_FOUND = "not found on the document"


def normalise_value(spec: FieldSpec, text: str, today: date | None = None) -> Normalised:
    """The canonical value of ``text`` for a field of this spec, with every error: format,
    the schema's patterns, and (when the value normalised cleanly) the field's rules."""
    norm = normalise_field(spec, text, today)
    if norm.value is not None and not norm.errors:
        norm.errors = check_rules(spec, norm.value, today)
    return norm


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
    schema: DocumentSchema, fields: dict[str, FieldResult], today: date | None = None
) -> None:
    """Set each field's ``valid`` and ``errors``: type, format, rules and cross-field rules.

    A schema field missing from ``fields`` is added as not found. A field without a value
    is invalid and keeps the errors it has (or is marked not found); confidence is left to
    the caller.
    """
    for name, spec in schema.fields.items():
        field = fields.setdefault(name, FieldResult(errors=[NOT_FOUND]))
        if field.value is None:
            field.valid = False
            if not field.errors:
                field.errors = [NOT_FOUND]
            continue
        field.errors = validate_value(spec, field.value, today)
        field.valid = not field.errors
    for name, errors in cross_field_errors(schema, fields).items():
        fields[name].errors += errors
        fields[name].valid = False
