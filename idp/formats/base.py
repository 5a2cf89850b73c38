"""What every format is made of: a normalised value, a locale, and the format record itself.

A format is declared once, as a ``Format``: how text becomes its canonical value (the
normaliser), how to find such values in running text (the search pattern), and what the
JSON Schema export says about them. Locale-dependent parts (the order of day and month,
the currency and decimal mark of an amount) read a ``Locale`` rather than hard-coding the
UK's, so another region is a new ``Locale`` value, not new code paths.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from idp.formats.locales import DEFAULT_LOCALE, Locale


@dataclass
class Normalised:
    """A canonical value (``None`` when there is none) and what is wrong with the input."""

    value: Any
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the text gave a value without errors."""
        return self.value is not None and not self.errors


def fail(message: str) -> Normalised:
    """No value, and why."""
    return Normalised(None, [message])


@dataclass(frozen=True)
class FormatContext:
    """What a normaliser may need besides the text."""

    today: date | None = None
    """The day relative dates (two-digit years) are read against; ``None`` is today."""
    locale: Locale | None = None
    """How dates and amounts are written; ``None`` is the default locale."""
    members: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """For enum fields: each member with the labels that mean it."""


Normaliser = Callable[[str, FormatContext], Normalised]
SearchPattern = Callable[[Locale], re.Pattern[str]]


@dataclass(frozen=True)
class Format:
    """One format, declared in one place: normaliser, search pattern, JSON Schema."""

    name: str
    """What a schema file writes as a field's ``format`` (a type's own format: its type)."""
    type: str
    """The field type (``string``, ``date``, ``money``…) whose values it produces."""
    normalise: Normaliser
    """Text as read → canonical value and readable errors."""
    json_schema: Mapping[str, Any]
    """The value's JSON Schema (without ``null``, which the export adds)."""
    search: SearchPattern | None = None
    """The pattern that finds such a value in running text, for a locale; ``None``: none."""
    distinctive: bool = False
    """Whether a bare search match is evidence on its own (an NI number looks like nothing
    else); a date or an amount could belong to several fields."""
    reread_accents: bool = False
    """Whether scanned values are read again with the accent-aware model (names, addresses:
    they must come out intact whatever their language)."""

    def search_pattern(self, locale: Locale | None = None) -> re.Pattern[str] | None:
        """The pattern that finds this format's values in text written the locale's way."""
        return self.search(locale or DEFAULT_LOCALE) if self.search else None
