"""Free text: personal names, postal addresses, and plain text."""

from __future__ import annotations

import re

from idp.formats.base import Format, FormatContext, Normalised, fail
from idp.text import clean_text

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
        return fail("the name is empty")
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
    return Normalised(raw) if raw else fail("the value is empty")


def _text(text: str, context: FormatContext) -> Normalised:
    return normalise_text(text)


def _name(text: str, context: FormatContext) -> Normalised:
    return normalise_name(text)


def _address(text: str, context: FormatContext) -> Normalised:
    return normalise_address(text)


FORMATS = [
    Format(name="text", type="string", normalise=_text, json_schema={"type": "string"}),
    Format(
        name="name",
        type="string",
        normalise=_name,
        json_schema={"type": "string"},
        reread_accents=True,
    ),
    Format(
        name="address",
        type="string",
        normalise=_address,
        json_schema={"type": "string"},
        reread_accents=True,
    ),
]
