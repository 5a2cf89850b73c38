"""Value formats, each declared once: normaliser, search pattern, JSON Schema, locale.

Families live in their own modules (``dates``, ``identifiers``, ``contact``, ``numbers``,
``names``, ``choices``); ``registry`` lists them. ``idp.schemas`` checks a field's
``format:`` here, ``extractors.patterns`` asks for search patterns, the JSON Schema export
for fragments, and ``idp.validation`` for normalisers.
"""

from idp.formats.base import Format, FormatContext, Normalised
from idp.formats.locales import DEFAULT_LOCALE, LOCALES, Locale, get_locale
from idp.formats.registry import DEFAULT_FORMAT, FORMATS, check_format, format_for

__all__ = [
    "DEFAULT_FORMAT",
    "DEFAULT_LOCALE",
    "FORMATS",
    "LOCALES",
    "Format",
    "FormatContext",
    "Locale",
    "Normalised",
    "check_format",
    "format_for",
    "get_locale",
]
