"""UK identifiers: National Insurance numbers and postcodes, with OCR confusions repaired."""

from __future__ import annotations

import re

from idp.formats.base import Format, FormatContext, Normalised, fail
from idp.formats.locales import Locale
from idp.text import clean_text

NI_BAD_FIRST = set("DFIQUV")
NI_BAD_SECOND = set("DFIQUVO")
NI_BAD_PREFIXES = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}
TO_DIGIT = str.maketrans(
    {"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "S": "5", "B": "8", "G": "6", "Z": "2"}
)
"""Letters OCR reads where a digit is printed, to that digit."""
TO_LETTER = str.maketrans({"0": "O", "1": "I", "5": "S", "8": "B"})
"""Digits OCR reads where a letter is printed, to that letter."""


def normalise_ni_number(text: str) -> Normalised:
    """``AB123456C``: two prefix letters, six digits, suffix A–D; valid prefixes only."""
    raw = re.sub(r"[\s\-.]", "", clean_text(text)).upper()
    if len(raw) == 9:
        # Repair the usual OCR confusions by position: letters where letters go, digits
        # where digits go.
        raw = raw[:2].translate(TO_LETTER) + raw[2:8].translate(TO_DIGIT) + raw[8]
    if not re.fullmatch(r"[A-Z]{2}\d{6}[A-Z]", raw):
        return fail(f"{clean_text(text)!r} is not a National Insurance number (like AB123456C)")
    errors = []
    if raw[0] in NI_BAD_FIRST or raw[1] in NI_BAD_SECOND or raw[:2] in NI_BAD_PREFIXES:
        errors.append(f"{raw[:2]} is not a valid National Insurance number prefix")
    if raw[8] not in "ABCD":
        errors.append(f"{raw[8]} is not a valid National Insurance number suffix (A–D)")
    return Normalised(raw, errors)


INWARD_NEVER = "CIKMOV"
"""Letters a postcode's inward code never ends with."""
_POSTCODE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?)(\d[A-Z]{2})$")


def normalise_postcode(text: str) -> Normalised:
    """UK postcode, upper case, one space before the inward code (``SY23 1AB``)."""
    raw = re.sub(r"\s", "", clean_text(text)).upper()
    if len(raw) >= 5:
        # The inward code is digit-letter-letter: fix O/0 and friends there. Its letters are
        # never O, so an O there is a misread Q.
        inward = raw[-3].translate(TO_DIGIT) + raw[-2:].translate(TO_LETTER).replace("O", "Q")
        raw = raw[:-3] + inward
    m = _POSTCODE.match(raw)
    if not m:
        return fail(f"{clean_text(text)!r} is not a UK postcode (like SY23 1AB)")
    canonical = f"{m[1]} {m[2]}"
    if set(m[2][1:]) & set(INWARD_NEVER):
        problem = f"{canonical}: a postcode's last two letters are never {INWARD_NEVER}"
        return Normalised(canonical, [problem])
    return Normalised(canonical)


_NI_SEARCH = re.compile(r"\b[A-Za-z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-Da-d]\b")
_POSTCODE_SEARCH = re.compile(r"\b[A-Za-z]{1,2}\d[A-Za-z\d]?\s?\d[A-Za-z]{2}\b")


def _ni_search(locale: Locale) -> re.Pattern[str]:
    return _NI_SEARCH


def _postcode_search(locale: Locale) -> re.Pattern[str]:
    return _POSTCODE_SEARCH


def _ni(text: str, context: FormatContext) -> Normalised:
    return normalise_ni_number(text)


def _postcode(text: str, context: FormatContext) -> Normalised:
    return normalise_postcode(text)


FORMATS = [
    Format(
        name="ni_number",
        type="string",
        normalise=_ni,
        json_schema={"type": "string", "pattern": r"^[A-CEGHJ-PR-TW-Z]{2}[0-9]{6}[A-D]$"},
        search=_ni_search,
        distinctive=True,
    ),
    Format(
        name="postcode_uk",
        type="string",
        normalise=_postcode,
        json_schema={"type": "string", "pattern": r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$"},
        search=_postcode_search,
        distinctive=True,
    ),
]
