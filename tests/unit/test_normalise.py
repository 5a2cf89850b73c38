"""Normalisers and validators: printed text → the record's canonical, typed values."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from idp.formats.contact import normalise_email, normalise_phone
from idp.formats.dates import normalise_date, parse_date
from idp.formats.identifiers import normalise_ni_number, normalise_postcode
from idp.formats.names import normalise_address, normalise_name
from idp.formats.numbers import normalise_integer, normalise_money
from idp.schemas import load_schema
from idp.settings import Settings
from idp.validation import check_rules, normalise_field, validate_value

TODAY = date(2025, 6, 30)


@pytest.mark.parametrize(
    "text",
    [
        "03/03/1985", "3/3/1985", "3 March 1985", "03.03.1985", "03 Mar 1985", "1985-03-03",
        "3rd March 1985", "3rd of March 1985", "03-03-1985", "03 / 03 / 1985", "3 Mawrth 1985",
        "March 3, 1985", "03/03/85", "03031985", "3 Mar. 1985", " 03/03/1985 ",
    ],
)
def test_uk_dates_in_every_common_form(text: str) -> None:
    assert normalise_date(text, TODAY).value == "1985-03-03"


def test_dates_are_day_first() -> None:
    assert parse_date("04/05/2001", TODAY) == date(2001, 5, 4)


def test_two_digit_years_take_the_latest_century_not_in_the_future() -> None:
    assert parse_date("01/01/24", TODAY) == date(2024, 1, 1)
    assert parse_date("01/01/30", TODAY) == date(1930, 1, 1)


@pytest.mark.parametrize("text", ["31/02/1985", "13/13/1985", "yesterday", "1985", ""])
def test_impossible_or_missing_dates_are_errors(text: str) -> None:
    result = normalise_date(text, TODAY)
    assert result.value is None
    assert result.errors and "not a date" in result.errors[0]


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("AB123456C", "AB123456C"),
        ("ab 12 34 56 c", "AB123456C"),
        ("AB 123456 C", "AB123456C"),
        ("JT-12-34-56-A", "JT123456A"),
        ("AB12345GC", "AB123456C"),  # OCR read a 6 as G in a digit position
        ("A8123456C", "AB123456C"),  # and an 8 for a B in a letter position
    ],
)
def test_ni_numbers_normalise_without_spaces(text: str, canonical: str) -> None:
    result = normalise_ni_number(text)
    assert result.ok, result.errors
    assert result.value == canonical


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("DA123456C", "prefix"),  # D never first
        ("AF123456C", "prefix"),  # F never second
        ("AO123456C", "prefix"),  # O never second
        ("QQ123456C", "prefix"),
        ("GB123456A", "prefix"),
        ("NK123456A", "prefix"),
        ("TN123456A", "prefix"),
        ("ZZ123456A", "prefix"),
        ("AB123456E", "suffix"),
        ("AB12345C", "not a National Insurance number"),
    ],
)
def test_ni_number_rules(text: str, problem: str) -> None:
    result = normalise_ni_number(text)
    assert not result.ok
    assert problem in " ".join(result.errors)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [("sy23 1ab", "SY23 1AB"), ("SY231AB", "SY23 1AB"), ("E1 6AN", "E1 6AN"),
     ("EC1A 1BB", "EC1A 1BB"), ("M1  1AE", "M1 1AE"), ("LL57 2O2", None)],
)
def test_postcodes_upper_case_with_one_space(text: str, canonical: str | None) -> None:
    result = normalise_postcode(text)
    assert result.value == canonical
    assert result.ok is (canonical is not None)


def test_postcode_inward_letters_never_use_c_i_k_m_o_v() -> None:
    assert normalise_postcode("SA8 0OT").value == "SA8 0QT"  # O is impossible there: a Q
    result = normalise_postcode("SA8 0KT")
    assert not result.ok and "are never CIKMOV" in result.errors[0]


def test_postcode_repairs_a_zero_read_as_O_in_the_inward_digit() -> None:
    assert normalise_postcode("SY23 OAB").value == "SY23 0AB"


@pytest.mark.parametrize(
    ("text", "valid"),
    [("Sian.Jones@Example.org", True), ("s jones@example.co.uk", True), ("no-at-sign.org", False),
     ("a@b", False), ("a..b@example.org", False)],
)
def test_emails(text: str, valid: bool) -> None:
    result = normalise_email(text)
    assert result.ok is valid
    if valid:
        assert result.value == text.replace(" ", "").lower()


@pytest.mark.parametrize(
    ("text", "canonical"),
    [("+44 7700 900123", "07700900123"), ("+447700900123", "07700900123"),
     ("07700 900123", "07700900123"), ("0044 29 2087 2087", "02920872087"),
     ("+44 (0)29 2087 2087", "02920872087"), ("(01970) 612345", "01970612345"),
     ("4447114546005", "07114546005"), ("7441970616387", "01970616387")],
)
def test_uk_phone_numbers_as_digits_with_a_leading_zero(text: str, canonical: str) -> None:
    result = normalise_phone(text)
    assert result.ok, result.errors
    assert result.value == canonical


def test_a_short_or_foreign_phone_number_is_flagged() -> None:
    assert not normalise_phone("12345").ok
    assert not normalise_phone("+33 1 23 45 67 89").ok
    assert not normalise_phone("call me").ok


@pytest.mark.parametrize(
    ("text", "canonical"),
    [("£1,234.56", "1234.56"), ("1234.5", "1234.50"), ("£950", "950.00"), ("£ 12,000", "12000.00"),
     ("1,234.56 GBP", "1234.56"), ("£850 per month", "850.00"), ("0.00", "0.00")],
)
def test_money_as_pounds_with_two_decimals(text: str, canonical: str) -> None:
    assert normalise_money(text).value == canonical


@pytest.mark.parametrize("text", ["twelve pounds", "£1.2.3", "", "1,23x"])
def test_money_that_is_not_an_amount(text: str) -> None:
    assert normalise_money(text).value is None


def test_integers_in_digits_or_small_words() -> None:
    assert normalise_integer("4").value == 4
    assert normalise_integer("three").value == 3
    assert normalise_integer("5 people").value == 5
    assert normalise_integer("4.5").value is None


@pytest.mark.parametrize(
    "name", ["Siân", "Llŷr", "Seán", "Zoë", "Łukasz", "Nguyễn", "O'Brien", "Ní Bhriain",
             "Al-Sayed", "ap Gwilym", "Yılmaz", "Ó Súilleabháin"],
)
def test_names_come_out_intact_and_nfc(name: str) -> None:
    decomposed = unicodedata.normalize("NFD", name)
    result = normalise_name(f"  {decomposed}  ")
    assert result.ok, result.errors
    assert result.value == unicodedata.normalize("NFC", name)
    assert unicodedata.is_normalized("NFC", result.value)


def test_curly_apostrophes_become_straight_in_names() -> None:
    assert normalise_name("O\u2019Brien").value == "O'Brien"


@pytest.mark.parametrize("text", ["Born on", "Daytime phone", "leuan", "Your NI reference"])
def test_a_printed_phrase_is_not_a_name(text: str) -> None:
    result = normalise_name(text)
    assert result.value == text
    assert "does not look like a name" in result.errors[0]


def test_an_address_needs_a_number_or_two_parts() -> None:
    assert normalise_address("Rose Cottage, Llanbedr").ok
    assert normalise_address("14 Station Road Aberystwyth").ok
    assert not normalise_address("Electronic mail address").ok
    assert not normalise_address("Section 3 - Your circumstances").ok


def test_a_name_with_digits_is_flagged() -> None:
    result = normalise_name("Sian 2")
    assert result.value == "Sian 2"
    assert result.errors


def test_address_is_one_line_without_the_postcode() -> None:
    assert normalise_address("14 Station Road,\nAberystwyth SY23 1AB").value == (
        "14 Station Road, Aberystwyth"
    )


def test_enum_and_boolean_fields() -> None:
    schema = load_schema("application", Settings())
    status = schema.fields["employment_status"]
    assert normalise_field(status, "Self-employed").value == "self_employed"
    assert normalise_field(status, "Wedi ymddeol").value == "retired"
    assert normalise_field(status, "Astronaut").value is None
    signed = schema.fields["declaration_signed"]
    assert normalise_field(signed, "Yes").value is True
    assert normalise_field(signed, "no").value is False


def test_rules_date_of_birth_in_the_past_and_plausible() -> None:
    dob = load_schema("application", Settings()).fields["date_of_birth"]
    assert check_rules(dob, "1985-03-03", TODAY) == []
    assert any("not in the past" in e for e in check_rules(dob, "2026-01-01", TODAY))
    assert any("implausible" in e for e in check_rules(dob, "1890-01-01", TODAY))
    assert any("younger than 16" in e for e in check_rules(dob, "2015-01-01", TODAY))


def test_rules_application_date_not_in_the_future() -> None:
    applied = load_schema("application", Settings()).fields["application_date"]
    assert check_rules(applied, "2025-06-30", TODAY) == []
    assert any("in the future" in e for e in check_rules(applied, "2025-07-01", TODAY))


def test_rules_on_numbers() -> None:
    schema = load_schema("application", Settings())
    assert check_rules(schema.fields["household_size"], 0, TODAY) == ["0 is less than 1"]
    assert check_rules(schema.fields["monthly_income"], "-5.00", TODAY)


def test_validate_value_wants_the_canonical_form() -> None:
    schema = load_schema("application", Settings())
    assert validate_value(schema.fields["postcode"], "SY23 1AB", TODAY) == []
    assert "canonical" in validate_value(schema.fields["postcode"], "sy231ab", TODAY)[0]
    assert validate_value(schema.fields["household_size"], "3", TODAY)  # a string is not int
    assert validate_value(schema.fields["employment_status"], "astronaut", TODAY)
    assert validate_value(schema.fields["declaration_signed"], True, TODAY) == []
