"""Numbers: amounts of money (in the locale's currency and marks) and whole numbers."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

from idp.formats.base import Format, FormatContext, Normalised, fail
from idp.formats.locales import DEFAULT_LOCALE, Locale
from idp.text import clean_text

PERIOD_WORDS = (r"per month", r"a month", r"/\s*month", r"pcm")
"""How often an amount is paid, printed beside it and dropped when reading it."""


@cache
def _amount_noise(locale: Locale) -> re.Pattern[str]:
    """Everything beside the digits of an amount: currency, period, spaces."""
    marks = sorted((*locale.currency_words, *locale.currency_symbols), key=len, reverse=True)
    parts = [re.escape(mark.lower()) for mark in marks] + list(PERIOD_WORDS) + [r"\s"]
    return re.compile(f"(?i)({'|'.join(parts)})")


def normalise_money(text: str, locale: Locale = DEFAULT_LOCALE) -> Normalised:
    """Amount as a string with two decimals, in the locale's currency and marks
    (``£1,234.5`` → ``"1234.50"`` in the UK)."""
    raw = clean_text(text)
    amount = _amount_noise(locale).sub("", raw).replace(locale.group_mark, "")
    if locale.decimal_mark != ".":
        amount = amount.replace(locale.decimal_mark, ".")
    if not re.fullmatch(r"-?\d+(\.\d{1,2})?", amount):
        return fail(f"{raw!r} is not an amount of money (like {_example(locale)})")
    try:
        value = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return fail(f"{raw!r} is not an amount of money")
    return Normalised(f"{value:.2f}")


def _example(locale: Locale) -> str:
    sign = locale.currency_symbols[0] if locale.currency_symbols else ""
    return f"{sign}1{locale.group_mark}234{locale.decimal_mark}56"


@cache
def money_search(locale: Locale) -> re.Pattern[str]:
    """An amount in running text: after a currency sign, or with two decimals."""
    symbols = "|".join(re.escape(s) for s in locale.currency_symbols)
    group, point = re.escape(locale.group_mark), re.escape(locale.decimal_mark)
    with_sign = rf"(?:{symbols})\s?\d[\d{group}]*(?:{point}\d{{2}})?" if symbols else ""
    bare = rf"\b\d[\d{group}]*{point}\d{{2}}\b"
    return re.compile(f"{with_sign}|{bare}" if with_sign else bare)


_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "un": 1, "dau": 2, "tri": 3, "pedwar": 4, "pump": 5,
}  # fmt: skip


def normalise_integer(text: str) -> Normalised:
    """A whole number, in digits or as a small number word."""
    raw = clean_text(text)
    lowered = raw.lower()
    if lowered in _NUMBER_WORDS:
        return Normalised(_NUMBER_WORDS[lowered])
    m = re.fullmatch(r"(\d+)(?:\s*(?:people|persons?|pobl))?", lowered)
    if not m:
        return fail(f"{raw!r} is not a whole number")
    return Normalised(int(m[1]))


def _money(text: str, context: FormatContext) -> Normalised:
    return normalise_money(text, context.locale or DEFAULT_LOCALE)


def _integer(text: str, context: FormatContext) -> Normalised:
    return normalise_integer(text)


FORMATS = [
    Format(
        name="money",
        type="money",
        normalise=_money,
        json_schema={"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$"},
        search=money_search,
    ),
    Format(name="integer", type="integer", normalise=_integer, json_schema={"type": "integer"}),
]
