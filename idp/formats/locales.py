"""Locales the formats know: how dates and amounts are written in a region.

The UK is the default. Another region is one more ``Locale`` value here (its date order,
currency signs and words, decimal and group marks), for example ``Locale("ms-MY",
currency_symbols=("RM",), currency_words=("MYR", "ringgit"), decimal_mark=".")``, passed
to the normalisers and search patterns that depend on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Locale:
    """How a region writes dates and amounts of money."""

    name: str
    """Its tag (``en-GB``)."""
    date_order: Literal["DMY", "MDY"] = "DMY"
    """Order of day and month in a numeric date (``03/04/2025``)."""
    currency_symbols: tuple[str, ...] = ("£",)
    """Signs printed before an amount; they also find unlabelled amounts in text."""
    currency_words: tuple[str, ...] = ("GBP", "pounds", "pound")
    """Codes and words that may stand beside an amount (matched case-insensitively)."""
    decimal_mark: str = "."
    """What separates whole units from hundredths."""
    group_mark: str = ","
    """What groups thousands (dropped when reading)."""


UK = Locale("en-GB")
"""Day-first dates, pounds sterling, a decimal point."""

DEFAULT_LOCALE = UK
