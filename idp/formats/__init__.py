"""Value formats, each declared once: normaliser, search pattern, JSON Schema, locale.

Families live in their own modules (``dates``, ``identifiers``, ``contact``, ``numbers``,
``names``, ``choices``); ``registry`` lists them. ``idp.schemas`` checks a field's
``format:`` here, ``extractors.patterns`` asks for search patterns, the JSON Schema export
for fragments, and ``idp.validation`` for normalisers.

To add a format: write its normaliser in the family module it belongs to (or a new one),
declare a ``Format`` there (name, field type, normaliser, JSON Schema, search pattern if
its values can be recognised without a label), and list the module in ``registry``. A
schema file can then say ``format: <name>``. Region-dependent reading (date order,
currency, decimal mark) takes a ``Locale`` instead of assuming the UK's.
"""

from idp.formats.base import Format, FormatContext, Normalised
from idp.formats.locales import DEFAULT_LOCALE, UK, Locale
from idp.formats.registry import DEFAULT_FORMAT, FORMATS, check_format, format_for

__all__ = [
    "DEFAULT_FORMAT",
    "DEFAULT_LOCALE",
    "FORMATS",
    "Format",
    "FormatContext",
    "Locale",
    "Normalised",
    "UK",
    "check_format",
    "format_for",
]
