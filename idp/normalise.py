"""Normalisers and validators: text as read from a page → the record's typed value.

Each ``normalise_*`` function takes the evidence text and returns a ``Normalised``: the
canonical value (or ``None``) and readable errors. ``normalise_field`` picks the right one
for a schema field; ``check_rules`` applies the field's rules (``past``, ``min_age``…) to a
value that normalised cleanly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from idp.schemas import FieldFormat, FieldSpec, FieldType
from idp.text import clean_text


@dataclass
class Normalised:
    """A canonical value (``None`` when there is none) and what is wrong with the input."""

    value: Any
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the text gave a value without errors."""
        return self.value is not None and not self.errors


def _fail(message: str) -> Normalised:
    return Normalised(None, [message])


# --- dates -----------------------------------------------------------------------------

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


def parse_date(text: str, today: date | None = None) -> date | None:
    """A UK day-first date in any common form (``03/03/1985``, ``3 March 1985``,
    ``03.03.1985``, ``03 Mar 1985``, ``1985-03-03``, ``3rd of March 85``); ``None`` if none."""
    today = today or date.today()
    text = clean_text(text).rstrip(".").replace(",", ", ")
    text = re.sub(r"\s+", " ", text)
    day: int | None = None
    try:
        if m := _ISO_DATE.match(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _NUMERIC_DATE.match(text):
            day, month, year = int(m[1]), int(m[2]), _year(m[3], today)
        elif m := _COMPACT_DATE.match(text):
            day, month, year = int(m[1]), int(m[2]), int(m[3])
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


def normalise_date(text: str, today: date | None = None) -> Normalised:
    """ISO-8601 date string from a UK day-first date."""
    parsed = parse_date(text, today)
    if parsed is None:
        return _fail(f"{clean_text(text)!r} is not a date (expected day, month, year)")
    return Normalised(parsed.isoformat())


# --- identifiers -----------------------------------------------------------------------

NI_BAD_FIRST = set("DFIQUV")
NI_BAD_SECOND = set("DFIQUVO")
NI_BAD_PREFIXES = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}
_TO_DIGIT = str.maketrans(
    {"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "S": "5", "B": "8", "G": "6", "Z": "2"}
)
_TO_LETTER = str.maketrans({"0": "O", "1": "I", "5": "S", "8": "B"})


def normalise_ni_number(text: str) -> Normalised:
    """``AB123456C``: two prefix letters, six digits, suffix A–D; valid prefixes only."""
    raw = re.sub(r"[\s\-.]", "", clean_text(text)).upper()
    if len(raw) == 9:
        # Repair the usual OCR confusions by position: letters where letters go, digits
        # where digits go.
        raw = raw[:2].translate(_TO_LETTER) + raw[2:8].translate(_TO_DIGIT) + raw[8]
    if not re.fullmatch(r"[A-Z]{2}\d{6}[A-Z]", raw):
        return _fail(f"{clean_text(text)!r} is not a National Insurance number (like AB123456C)")
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
        inward = raw[-3].translate(_TO_DIGIT) + raw[-2:].translate(_TO_LETTER).replace("O", "Q")
        raw = raw[:-3] + inward
    m = _POSTCODE.match(raw)
    if not m:
        return _fail(f"{clean_text(text)!r} is not a UK postcode (like SY23 1AB)")
    canonical = f"{m[1]} {m[2]}"
    if set(m[2][1:]) & set(INWARD_NEVER):
        problem = f"{canonical}: a postcode's last two letters are never {INWARD_NEVER}"
        return Normalised(canonical, [problem])
    return Normalised(canonical)


_EMAIL = re.compile(r"^[A-Za-z0-9._%+'\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")


def normalise_email(text: str) -> Normalised:
    """Email address without spaces, lower case (mailboxes are case-insensitive in practice)."""
    raw = re.sub(r"\s", "", clean_text(text)).strip(".,;").lower()
    if not _EMAIL.match(raw) or ".." in raw:
        return _fail(f"{clean_text(text)!r} is not an email address")
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
        return _fail(f"{raw!r} is not a phone number")
    if not digits.startswith("0") or not 10 <= len(digits) <= 11:
        return Normalised(digits, [f"{raw!r} is not a UK phone number (0 and 10 digits)"])
    return Normalised(digits)


# --- numbers ---------------------------------------------------------------------------

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "un": 1, "dau": 2, "tri": 3, "pedwar": 4, "pump": 5,
}  # fmt: skip


def normalise_money(text: str) -> Normalised:
    """Amount in pounds as a string with two decimals (``£1,234.5`` → ``"1234.50"``)."""
    raw = clean_text(text)
    amount = re.sub(r"(?i)(gbp|£|pounds?|per month|a month|/\s*month|pcm|\s)", "", raw)
    amount = amount.replace(",", "")
    if not re.fullmatch(r"-?\d+(\.\d{1,2})?", amount):
        return _fail(f"{raw!r} is not an amount of money (like £1,234.56)")
    try:
        value = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return _fail(f"{raw!r} is not an amount of money")
    return Normalised(f"{value:.2f}")


def normalise_integer(text: str) -> Normalised:
    """A whole number, in digits or as a small number word."""
    raw = clean_text(text)
    lowered = raw.lower()
    if lowered in _NUMBER_WORDS:
        return Normalised(_NUMBER_WORDS[lowered])
    m = re.fullmatch(r"(\d+)(?:\s*(?:people|persons?|pobl))?", lowered)
    if not m:
        return _fail(f"{raw!r} is not a whole number")
    return Normalised(int(m[1]))


def normalise_boolean(text: str) -> Normalised:
    """Yes/no in English or Welsh."""
    raw = clean_text(text).lower()
    if raw in {"yes", "y", "true", "ie", "oes", "do", "signed", "x", "✓", "✔"}:
        return Normalised(True)
    if raw in {"no", "n", "false", "na", "nac oes", "naddo", "unsigned", ""}:
        return Normalised(False)
    return _fail(f"{raw!r} is not yes or no")


# --- text ------------------------------------------------------------------------------


NAME_PARTICLES = {
    "ap", "ab", "ferch", "verch", "de", "del", "della", "der", "di", "da", "do", "dos", "du",
    "la", "le", "van", "von", "den", "ten", "ter", "al", "el", "bin", "bint", "ibn", "mac",
    "mc", "y", "e", "i", "zu",
}  # fmt: skip
"""Lower-case words that may stand inside a name ("ap Gwilym", "van der Berg")."""


def normalise_name(text: str) -> Normalised:
    """A personal name as written, NFC, diacritics and apostrophes intact."""
    raw = clean_text(text)
    if not raw:
        return _fail("the name is empty")
    if not any(ch.isalpha() for ch in raw) or any(ch.isdigit() for ch in raw):
        return Normalised(raw, [f"{raw!r} does not look like a name"])
    if re.search(r"[^\w\s'\-.]", raw):
        return Normalised(raw, [f"{raw!r} has characters a name does not use"])
    if any(
        word[0].islower() and word.casefold() not in NAME_PARTICLES
        for word in re.split(r"[\s\-]+", raw)
        if word
    ):
        # "Born on", "Daytime phone": a printed phrase (most likely a neighbouring label).
        return Normalised(raw, [f"{raw!r} does not look like a name (a word in lower case)"])
    return Normalised(raw)


def normalise_address(text: str) -> Normalised:
    """Street and town as one line, comma separated, without a trailing postcode."""
    raw = clean_text(text.replace("\n", ", "))
    raw = re.sub(r"(\s*,\s*)+", ", ", raw).strip(", ")
    raw = re.sub(r",?\s*[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$", "", raw).strip(", ")
    if len(raw) < 5 or not any(ch.isalpha() for ch in raw):
        return Normalised(raw or None, [f"{raw!r} is too short for an address"])
    if not (raw[0].isdigit() or "," in raw):
        # A street address starts with a house number or has at least two parts (house,
        # town); "Section 3 - Your circumstances" is a heading.
        return Normalised(raw, [f"{raw!r} does not look like an address (no number or comma)"])
    return Normalised(raw)


def normalise_text(text: str) -> Normalised:
    """Plain text, cleaned."""
    raw = clean_text(text)
    return Normalised(raw) if raw else _fail("the value is empty")


_STRING_NORMALISERS = {
    FieldFormat.TEXT: normalise_text,
    FieldFormat.NAME: normalise_name,
    FieldFormat.NI_NUMBER: normalise_ni_number,
    FieldFormat.EMAIL: normalise_email,
    FieldFormat.PHONE_UK: normalise_phone,
    FieldFormat.POSTCODE_UK: normalise_postcode,
    FieldFormat.ADDRESS: normalise_address,
}


def normalise_field(spec: FieldSpec, text: str, today: date | None = None) -> Normalised:
    """The canonical value of ``text`` for a field of this spec, with its errors."""
    if spec.type == FieldType.DATE:
        result = normalise_date(text, today)
    elif spec.type == FieldType.INTEGER:
        result = normalise_integer(text)
    elif spec.type == FieldType.MONEY:
        result = normalise_money(text)
    elif spec.type == FieldType.BOOLEAN:
        result = normalise_boolean(text)
    elif spec.type == FieldType.ENUM:
        member = match_enum(spec, text)
        result = Normalised(member) if member else _fail(f"{clean_text(text)!r} is not an option")
    else:
        result = _STRING_NORMALISERS[spec.format](text)
    if result.value is not None:
        for pattern in spec.patterns:
            if not re.fullmatch(pattern, str(result.value)):
                result.errors.append(f"{result.value!r} does not match the expected pattern")
    return result


def match_enum(spec: FieldSpec, text: str) -> str | None:
    """The enum member whose label (or name) best matches ``text``; ``None`` below 85/100."""
    from rapidfuzz import fuzz

    label = clean_text(text).lower()
    best, best_score = None, 0.0
    for member, labels in spec.enum.items():
        for candidate in [member.replace("_", " "), *labels]:
            score = fuzz.ratio(label, candidate.lower())
            if score > best_score:
                best, best_score = member, score
    return best if best_score >= 85 else None


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
