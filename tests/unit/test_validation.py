"""The one schema-bound validator: the same checks for the pipeline and for review."""

from __future__ import annotations

from datetime import date

from idp.datamodel import FieldResult
from idp.schemas import load_schema
from idp.settings import Settings
from idp.validation import NOT_FOUND, normalise_value, validate_fields

TODAY = date(2025, 6, 30)
SCHEMA = load_schema("application", Settings())


def test_normalise_value_checks_format_patterns_and_rules() -> None:
    dob = SCHEMA.fields["date_of_birth"]
    assert normalise_value(dob, "03/03/1985", TODAY).ok
    too_young = normalise_value(dob, "01/01/2015", TODAY)
    assert too_young.value == "2015-01-01"
    assert any("younger than 16" in e for e in too_young.errors)
    assert normalise_value(dob, "the third of never", TODAY).value is None
    ni = normalise_value(SCHEMA.fields["national_insurance_number"], "QQ 12 34 56 C", TODAY)
    assert ni.value == "QQ123456C" and "prefix" in ni.errors[0]


def test_validate_fields_applies_cross_field_rules_to_any_set_of_fields() -> None:
    fields = {
        "date_of_birth": FieldResult(value="2005-03-03", confidence=1.0, valid=True),
        "application_date": FieldResult(value="2004-02-01", confidence=1.0, valid=True),
    }
    validate_fields(SCHEMA, fields, TODAY)
    assert fields["date_of_birth"].valid is False
    assert "must be before application_date" in fields["date_of_birth"].errors[-1]
    assert fields["application_date"].valid is True
    # Confidence is the caller's: review keeps a corrected value's 1.0.
    assert fields["date_of_birth"].confidence == 1.0
    # Every schema field is present afterwards; the missing ones are not found.
    assert set(fields) == set(SCHEMA.fields)
    assert fields["email"].valid is False and fields["email"].errors == [NOT_FOUND]


def test_validate_fields_rechecks_type_and_canonical_form() -> None:
    fields = {
        "postcode": FieldResult(value="sy231ab", confidence=0.9, valid=True),
        "household_size": FieldResult(value="3", confidence=0.9, valid=True),
        "employment_status": FieldResult(value="employed", confidence=0.9, valid=False),
    }
    validate_fields(SCHEMA, fields, TODAY)
    assert "canonical" in fields["postcode"].errors[0]
    assert fields["household_size"].valid is False
    assert fields["employment_status"].valid is True and fields["employment_status"].errors == []
