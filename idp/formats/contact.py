"""Ways to reach someone: email addresses and UK phone numbers."""

from __future__ import annotations

import re

from idp.formats.base import Format, FormatContext, Normalised, fail
from idp.formats.locales import Locale
from idp.text import clean_text

_EMAIL = re.compile(r"^[A-Za-z0-9._%+'\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")


def normalise_email(text: str) -> Normalised:
    """Email address without spaces, lower case (mailboxes are case-insensitive in practice)."""
    raw = re.sub(r"\s", "", clean_text(text)).strip(".,;").lower()
    if not _EMAIL.match(raw) or ".." in raw:
        return fail(f"{clean_text(text)!r} is not an email address")
    return Normalised(raw)


def normalise_phone(text: str) -> Normalised:
    """UK phone number as digits with a leading 0 (``+44 7700 900123`` → ``07700900123``)."""
    raw = clean_text(text)
    raw = re.sub(r"\(0\)", "", raw)
    digits = re.sub(r"[\s\-().]", "", raw)
    if digits.startswith("+44"):
        digits = "0" + digits[3:]
    elif digits.startswith("0044"):
        digits = "0" + digits[4:]
    elif digits.startswith("44") and len(digits) == 12:
        digits = "0" + digits[2:]
    elif len(digits) == 13 and digits[1:3] == "44" and raw.lstrip()[:1] in "+47":
        digits = "0" + digits[3:]  # "+44" with the plus read as a 4 or a 7
    if not re.fullmatch(r"\d+", digits):
        return fail(f"{raw!r} is not a phone number")
    if not digits.startswith("0") or not 10 <= len(digits) <= 11:
        return Normalised(digits, [f"{raw!r} is not a UK phone number (0 and 10 digits)"])
    return Normalised(digits)


_EMAIL_SEARCH = re.compile(r"[\w.+'\-]+@[\w\-]+(?:\.[\w\-]+)*\.[A-Za-z]{2,}")
_PHONE_SEARCH = re.compile(r"(?:\+44\s?|0)(?:\d\s?){9,10}\b")


def _email_search(locale: Locale) -> re.Pattern[str]:
    return _EMAIL_SEARCH


def _phone_search(locale: Locale) -> re.Pattern[str]:
    return _PHONE_SEARCH


def _email(text: str, context: FormatContext) -> Normalised:
    return normalise_email(text)


def _phone(text: str, context: FormatContext) -> Normalised:
    return normalise_phone(text)


FORMATS = [
    Format(
        name="email",
        type="string",
        normalise=_email,
        json_schema={"type": "string", "format": "email"},
        search=_email_search,
        distinctive=True,
    ),
    Format(
        name="phone_uk",
        type="string",
        normalise=_phone,
        json_schema={"type": "string", "pattern": r"^0[0-9]{9,10}$"},
        search=_phone_search,
        distinctive=True,
    ),
]
