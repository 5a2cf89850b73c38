"""Text normalisation, in one place, with one Unicode form per purpose.

- **Keeping text** (what the record shows, what a reviewer reads): NFC. It composes
  accents ("e" + combining acute → "é") but keeps every character as printed, so a
  ligature or a superscript is not rewritten. ``display_text`` and ``clean_text``.
- **Comparing text** (a label against a hint, a correction against a reading): NFKC, then
  case-folded. Compatibility characters fold to their plain letters ("ﬁ" → "fi",
  full-width digits → ASCII), so two spellings of one word compare equal.
  ``fold_case``, ``comparable_text``, ``normalise_label``.
- **Comparing two readings accents aside** (OCR with and without the accented model):
  ``strip_accents``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final, Literal

DISPLAY_FORM: Final[Literal["NFC"]] = "NFC"
"""Unicode normal form of text the record keeps."""
MATCH_FORM: Final[Literal["NFKC"]] = "NFKC"
"""Unicode normal form of text being compared."""

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'"})
_LABEL_NOISE = re.compile(r"\((?:optional|required|if any|if applicable|dd/mm/yyyy)\)|[*:?#]")
_NO_DECOMPOSITION = str.maketrans(
    {"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "ı": "i", "Đ": "D", "đ": "d"}
)
"""Letters whose stroke is part of the letter, so NFKD leaves them whole."""


def display_text(text: str) -> str:
    """NFC, one space between words, no surrounding spaces."""
    return " ".join(unicodedata.normalize(DISPLAY_FORM, text).split())


def clean_text(text: str) -> str:
    """Display text with straight quotes and no stray label punctuation around it."""
    text = unicodedata.normalize(DISPLAY_FORM, text).translate(_QUOTES)
    text = re.sub(r"\s+", " ", text).strip()
    return text.strip(" :;|_")


def fold_case(text: str) -> str:
    """NFKC, straight quotes, case-folded: the base of every text comparison."""
    return unicodedata.normalize(MATCH_FORM, text).translate(_QUOTES).casefold()


def comparable_text(text: str) -> str:
    """Case-folded, accent-preserving text with punctuation and spacing collapsed.

    What two pieces of free text (a corrected value, a reading, a phrasing) are compared
    by; ``@ . + / -`` stay, since they tell an e-mail or a date from plain words.
    """
    text = re.sub(r"[^\w@.+/-]+", " ", fold_case(text))
    return " ".join(text.split())


def normalise_label(text: str) -> str:
    """Case-folded label without punctuation that carries no meaning (colons, asterisks)."""
    text = _LABEL_NOISE.sub(" ", fold_case(text))
    text = re.sub(r"[^\w'/&\-. ]+", " ", text)
    return " ".join(text.split()).strip(" .-")


def clean_phrasing(label: str) -> str:
    """A label as a phrasing to keep (NFC): trailing colons, asterisks and spaces removed."""
    label = unicodedata.normalize(DISPLAY_FORM, label)
    label = re.sub(r"[\s:*\-–—.]+$", "", label.strip())
    return " ".join(label.split())


def strip_accents(text: str) -> str:
    """Text without accents, case-folded, for comparing two readings (Ł → l, ø → o)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_NO_DECOMPOSITION))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
