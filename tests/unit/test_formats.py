"""The format registry: one declaration per format, found by schemas, extractors and export."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from idp.errors import SchemaError
from idp.formats import FORMATS, Locale, format_for
from idp.formats.dates import normalise_date
from idp.formats.numbers import normalise_money
from idp.schemas import parse_schema_file

# What the pattern extractor searched with before the registry held the patterns.
OLD_MONEY = re.compile(r"£\s?\d[\d,]*(?:\.\d{2})?|\b\d[\d,]*\.\d{2}\b")
OLD_DATE = re.compile(
    r"\b(?:\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2}"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
    r"\s+\d{4})\b",
    re.IGNORECASE,
)
TEXT = (
    "Paid £1,200.00 on 03/03/1985, then 45.50 and £ 12 on 3rd March 2024; ref 2024-01-31, "
    "not 1,2 or 12.5 or 7 Foo 2020; total GBP 99.99 (12 Mar. 2021)"
)


def test_every_type_and_format_is_registered_once() -> None:
    for type_name in ("string", "date", "integer", "money", "boolean", "enum"):
        assert format_for(type_name).type == type_name
    for name in ("text", "name", "ni_number", "email", "phone_uk", "postcode_uk", "address"):
        assert format_for("string", name).name == name
    assert {fmt.name for fmt in FORMATS.values() if fmt.reread_accents} == {"name", "address"}


def test_uk_search_patterns_find_what_they_always_found() -> None:
    money = format_for("money").search_pattern()
    dates = format_for("date").search_pattern()
    assert money is not None and dates is not None
    assert [m.group(0) for m in money.finditer(TEXT)] == [
        m.group(0) for m in OLD_MONEY.finditer(TEXT)
    ]
    assert [m.group(0) for m in dates.finditer(TEXT)] == [
        m.group(0) for m in OLD_DATE.finditer(TEXT)
    ]
    assert format_for("string", "name").search_pattern() is None


def test_another_locale_is_data_currency_decimal_comma_and_month_first() -> None:
    ringgit = Locale("ms-MY", currency_symbols=("RM",), currency_words=("MYR",),
                     decimal_mark=",", group_mark=".")  # fmt: skip
    assert normalise_money("RM 1.234,50", ringgit).value == "1234.50"
    assert normalise_money("£1,234.50").value == "1234.50"  # the UK stays the default
    assert normalise_money("£1,234.50", ringgit).value is None
    found = format_for("money").search_pattern(ringgit)
    match = found.search("Jumlah RM12,90") if found else None
    assert match is not None and match.group(0) == "RM12,90"
    us = Locale("en-US", date_order="MDY", currency_symbols=("$",), currency_words=("USD",))
    assert normalise_date("04/05/2001", date(2025, 1, 1), us).value == "2001-04-05"
    assert normalise_date("04/05/2001", date(2025, 1, 1)).value == "2001-05-04"


SCHEMA = """\
name: bad
version: 1
retention_days: 30
fields:
  reference:
    type: {type}
    format: {format}
    label_hints: {{en: [Reference]}}
"""


@pytest.mark.parametrize(
    ("type_name", "format_name", "message"),
    [
        ("string", "hue", "unknown format 'hue' (known: text, name, address, ni_number"),
        ("date", "email", "format 'email' is only for string fields"),
        ("string", "date", "format 'date' is only for date fields"),
    ],
)
def test_schemas_check_formats_against_the_registry(
    tmp_path: Path, type_name: str, format_name: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(SCHEMA.format(type=type_name, format=format_name))
    with pytest.raises(SchemaError, match=re.escape(message)):
        parse_schema_file(path)


def test_a_type_may_name_its_own_format() -> None:
    assert format_for("date", "date").name == "date"
