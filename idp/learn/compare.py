"""Whether a predicted value is the given one: what calibration and scoring count as right.

Text is compared case-, space- and punctuation-insensitively; amounts as numbers (a
decimal comma or a thousands separator either way); dates as calendar dates, day-first
first and month-first when day-first cannot be a date (``12/28/2017``).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from idp.learn.dataset import compact

_DATE_FORMATS = (
    "%d/%m/%Y",
    "%d/%m/%y",
    "%m/%d/%Y",
    "%m/%d/%y",
    "%Y/%m/%d",
    "%d %b %Y",
    "%d %B %Y",
    "%d %b %y",
    "%b %d %Y",
    "%B %d %Y",
    "%d%b%Y",
    "%d%b%y",
)


def parse_amount(text: str) -> Decimal | None:
    """The number in an amount as printed: ``1,234.50``, ``1.234,50``, ``RM 60.30``."""
    digits = re.sub(r"[^\d.,\-]", "", text)
    if not re.search(r"\d", digits):
        return None
    last = max(digits.rfind("."), digits.rfind(","))
    if last >= 0 and len(digits) - last - 1 in (1, 2):
        whole, frac = digits[:last], digits[last + 1 :]
    else:
        whole, frac = digits, ""
    whole = re.sub(r"[.,]", "", whole)
    try:
        return Decimal(f"{whole or '0'}.{frac or '0'}")
    except InvalidOperation:
        return None


def parse_any_date(text: str) -> date | None:
    """A calendar date from common printed forms, day-first before month-first."""
    cleaned = re.sub(r"[.\-]", "/", text.strip())
    cleaned = re.sub(r"\s*/\s*", "/", cleaned)
    cleaned = re.sub(r"[,]", " ", cleaned)
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    for fmt in _DATE_FORMATS:
        for candidate in (cleaned, cleaned.replace("/", " ")):
            try:
                return datetime.strptime(candidate, fmt).date()
            except ValueError:
                continue
    return None


def same_value(kind: str, predicted: str, given: str) -> bool:
    """Whether ``predicted`` means ``given`` for a field of this kind."""
    if kind == "money":
        a, b = parse_amount(predicted), parse_amount(given)
        return a is not None and a == b
    if kind == "date":
        a_date, b_date = parse_any_date(predicted), parse_any_date(given)
        if a_date is not None and b_date is not None:
            return a_date == b_date
    return compact(predicted) == compact(given) and bool(compact(given))


def same_exact(predicted: str, given: str) -> bool:
    """Exact strings after collapsing white space."""
    return " ".join(predicted.split()) == " ".join(given.split())
