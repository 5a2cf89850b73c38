"""Dates: day-first by default (``03/03/1985``, ``3 March 1985``, ``3 Mawrth 1985``) → ISO-8601."""

from __future__ import annotations

import re
from datetime import date
from functools import cache

from idp.formats.base import Format, FormatContext, Normalised, fail
from idp.formats.locales import DEFAULT_LOCALE, Locale
from idp.text import clean_text

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        ("january", "jan", "ionawr"),
        ("february", "feb", "chwefror"),
        ("march", "mar", "mawrth"),
        ("april", "apr", "ebrill"),
        ("may", "mai"),
        ("june", "jun", "mehefin"),
        ("july", "jul", "gorffennaf"),
        ("august", "aug", "awst"),
        ("september", "sep", "sept", "medi"),
        ("october", "oct", "hydref"),
        ("november", "nov", "tachwedd"),
        ("december", "dec", "rhagfyr"),
    ],
    start=1,
):
    for _name in _names:
        MONTHS[_name] = _number
"""Month names and abbreviations, English and Welsh, to their number."""

_NUMERIC_DATE = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_WORD_DATE = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s*(?:of\s+)?([A-Za-z]+)\.?,?\s*(\d{2}|\d{4})$")
_US_WORD_DATE = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s*(\d{4})$")
_COMPACT_DATE = re.compile(r"^(\d{2})(\d{2})(\d{4})$")


def _year(text: str, today: date) -> int:
    year = int(text)
    if len(text) == 2:
        # Two-digit years: the most recent century that does not put the date in the future.
        year += 2000 if 2000 + year <= today.year else 1900
    return year


def _day_month(first: str, second: str, locale: Locale) -> tuple[int, int]:
    """Day and month of a numeric date's first two parts, in the locale's order."""
    if locale.date_order == "MDY":
        return int(second), int(first)
    return int(first), int(second)


def parse_date(
    text: str, today: date | None = None, locale: Locale = DEFAULT_LOCALE
) -> date | None:
    """A date in any common form (``03/03/1985``, ``3 March 1985``, ``03.03.1985``,
    ``03 Mar 1985``, ``1985-03-03``, ``3rd of March 85``); numeric ones in the locale's
    order (day first in the UK); ``None`` if none."""
    today = today or date.today()
    text = clean_text(text).rstrip(".").replace(",", ", ")
    text = re.sub(r"\s+", " ", text)
    try:
        if m := _ISO_DATE.match(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _NUMERIC_DATE.match(text):
            day, month = _day_month(m[1], m[2], locale)
            year = _year(m[3], today)
        elif m := _COMPACT_DATE.match(text):
            day, month = _day_month(m[1], m[2], locale)
            year = int(m[3])
        elif m := _WORD_DATE.match(text):
            month_number = MONTHS.get(m[2].lower())
            if month_number is None:
                return None
            day, month, year = int(m[1]), month_number, _year(m[3], today)
        elif m := _US_WORD_DATE.match(text):
            month_number = MONTHS.get(m[1].lower())
            if month_number is None:
                return None
            day, month, year = int(m[2]), month_number, int(m[3])
        else:
            return None
        return date(year, month, day)
    except ValueError:
        return None


def normalise_date(
    text: str, today: date | None = None, locale: Locale = DEFAULT_LOCALE
) -> Normalised:
    """ISO-8601 date string from a date written the locale's way (day first in the UK)."""
    parsed = parse_date(text, today, locale)
    if parsed is None:
        order = "month, day, year" if locale.date_order == "MDY" else "day, month, year"
        return fail(f"{clean_text(text)!r} is not a date (expected {order})")
    return Normalised(parsed.isoformat())


_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"


@cache
def date_search(locale: Locale) -> re.Pattern[str]:
    """A date in running text: numeric (either order), ISO, or day and English month name."""
    return re.compile(
        r"\b(?:\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})|\d{4}-\d{2}-\d{2}"
        rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\s+\d{{4}})\b",
        re.IGNORECASE,
    )


def _normalise(text: str, context: FormatContext) -> Normalised:
    return normalise_date(text, context.today, context.locale or DEFAULT_LOCALE)


FORMATS = [
    Format(
        name="date",
        type="date",
        normalise=_normalise,
        json_schema={"type": "string", "format": "date"},
        search=date_search,
    ),
]
