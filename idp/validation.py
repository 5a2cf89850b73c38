"""The one schema-bound validator: every value, whoever set it, passes the same checks.

``normalise_value`` turns text (a candidate's evidence or a reviewer's correction) into the
field's canonical value with what is wrong with it; ``validate_fields`` checks a set of
fields against their schema — type, format, the field's rules and the schema's cross-field
rules. The pipeline's validate stage and review's corrections both call them. Formats
themselves (how a date or a postcode is read) are declared in ``idp.formats``.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from idp.datamodel import FieldResult
from idp.formats import FormatContext, Locale, Normalised
from idp.schemas import DocumentSchema, FieldSpec, FieldType

NOT_FOUND = "not found on the document"



def normalise_field(
    spec: FieldSpec, text: str, today: date | None = None, locale: Locale | None = None
) -> Normalised:
    """The canonical value of ``text`` in the field's format, with format errors and the
    schema's extra ``patterns``; the field's rules are not applied (see ``normalise_value``)."""
    context = FormatContext(today=today, locale=locale, members=spec.enum)
    result = spec.value_format().normalise(text, context)
    if result.value is not None:
        for pattern in spec.patterns:
            if not re.fullmatch(pattern, str(result.value)):
                result.errors.append(f"{result.value!r} does not match the expected pattern")
    return result


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def check_rules(spec: FieldSpec, value: Any, today: date | None = None) -> list[str]:
    """Readable errors for each of the field's rules that ``value`` breaks."""
    today = today or date.today()
    errors: list[str] = []
    if value is None:
        return errors
    when = date.fromisoformat(value) if spec.type == FieldType.DATE else None
    number: Decimal | None = None
    if spec.type in (FieldType.INTEGER, FieldType.MONEY):
        number = Decimal(str(value))
    for rule in spec.rules:
        arg = rule.arg
        if when is not None:
            if rule.name == "past" and when >= today:
                errors.append(f"{value} is not in the past")
            elif rule.name == "not_future" and when > today:
                errors.append(f"{value} is in the future")
            elif rule.name == "min_age" and _age(when, today) < int(arg):
                errors.append(f"{value} makes the person younger than {arg}")
            elif rule.name == "max_age" and _age(when, today) > int(arg):
                errors.append(f"{value} makes the person older than {arg}, which is implausible")
            elif rule.name == "not_before" and when < date.fromisoformat(str(arg)):
                errors.append(f"{value} is before {arg}")
        if number is not None:
            if rule.name == "min" and number < Decimal(str(arg)):
                errors.append(f"{value} is less than {arg}")
            elif rule.name == "max" and number > Decimal(str(arg)):
                errors.append(f"{value} is more than {arg}")
    return errors


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
