"""Every format, by name: the one place a schema's ``format:``, the extractors' search
patterns and the JSON Schema export look formats up.

A new format is one ``Format`` in the family module it belongs to (or a new module), listed
here. A field type's own format (a ``date`` field without a ``format:``) has the type's name.
"""

from __future__ import annotations

from idp.formats import choices, contact, dates, identifiers, names, numbers
from idp.formats.base import Format

DEFAULT_FORMAT = "text"
"""What a field without ``format:`` is: for strings plain text, for other types their own."""

FORMATS: dict[str, Format] = {
    fmt.name: fmt
    for family in (names, identifiers, contact, dates, numbers, choices)
    for fmt in family.FORMATS
}


def formats_of_type(type_name: str) -> list[str]:
    """Names of the formats a field of this type may declare, in registry order."""
    return [name for name, fmt in FORMATS.items() if fmt.type == type_name]


def check_format(type_name: str, format_name: str) -> None:
    """Refuse a format that is unknown or not for this type, naming the ones that are."""
    if format_name == DEFAULT_FORMAT:
        return
    fmt = FORMATS.get(format_name)
    if fmt is None:
        known = ", ".join(formats_of_type(type_name) or formats_of_type("string"))
        raise ValueError(f"unknown format {format_name!r} (known: {known})")
    if fmt.type != type_name:
        raise ValueError(f"format {format_name!r} is only for {fmt.type} fields")


def format_for(type_name: str, format_name: str = DEFAULT_FORMAT) -> Format:
    """The format that reads, checks and exports a field of this type and ``format:``."""
    if format_name == DEFAULT_FORMAT and type_name != "string":
        return FORMATS[type_name]
    return FORMATS[format_name]
