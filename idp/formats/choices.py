"""Choices: yes/no answers and one member of a declared list (enum)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from idp.formats.base import Format, FormatContext, Normalised, fail
from idp.text import clean_text

ENUM_MIN_SCORE = 85
"""Fuzzy similarity (0–100) a text needs with a member's label to mean that member."""


def normalise_boolean(text: str) -> Normalised:
    """Yes/no in English or Welsh."""
    raw = clean_text(text).lower()
    if raw in {"yes", "y", "true", "ie", "oes", "do", "signed", "x", "✓", "✔"}:
        return Normalised(True)
    if raw in {"no", "n", "false", "na", "nac oes", "naddo", "unsigned", ""}:
        return Normalised(False)
    return fail(f"{raw!r} is not yes or no")


def match_enum(members: Mapping[str, Sequence[str]], text: str) -> str | None:
    """The member whose label (or name) best matches ``text``; ``None`` below 85/100."""
    from rapidfuzz import fuzz

    label = clean_text(text).lower()
    best, best_score = None, 0.0
    for member, labels in members.items():
        for candidate in [member.replace("_", " "), *labels]:
            score = fuzz.ratio(label, candidate.lower())
            if score > best_score:
                best, best_score = member, score
    return best if best_score >= ENUM_MIN_SCORE else None


def normalise_enum(text: str, members: Mapping[str, Sequence[str]]) -> Normalised:
    """The member ``text`` names, or why none."""
    member = match_enum(members, text)
    return Normalised(member) if member else fail(f"{clean_text(text)!r} is not an option")


def _boolean(text: str, context: FormatContext) -> Normalised:
    return normalise_boolean(text)


def _enum(text: str, context: FormatContext) -> Normalised:
    return normalise_enum(text, context.members)


FORMATS = [
    Format(name="boolean", type="boolean", normalise=_boolean, json_schema={"type": "boolean"}),
    # The members are the field's own; the JSON Schema export adds them as ``enum``.
    Format(name="enum", type="enum", normalise=_enum, json_schema={"type": "string"}),
]
