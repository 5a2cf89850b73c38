"""Word recall on scanned receipts (SROIE ``box/<n>.csv`` line transcripts), shared by the
OCR tests and ``benchmarks/sroie_ocr.py``.

The words of the ground-truth lines (split on white space) found among the OCR words, as
multisets (a word printed twice must be read twice), compared after Unicode NFKC and
case-folding with surrounding punctuation stripped; words that are only punctuation are
left out. Boxes are not compared: the transcripts are per line.
"""

from __future__ import annotations

import collections
import unicodedata
from pathlib import Path


def norm(text: str) -> str:
    """Comparable form of a word: NFKC, case-folded, surrounding punctuation stripped."""
    return unicodedata.normalize("NFKC", text).casefold().strip(" .,:;()[]\"'!?_-")


def gold_words(csv_path: Path) -> list[str]:
    """Normalised words of a receipt's line transcripts (text after the 8 coordinates)."""
    words: list[str] = []
    for line in csv_path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split(",", 8)
        if len(parts) == 9:
            words.extend(w for w in (norm(t) for t in parts[8].split()) if w)
    return words


def word_recall(gold: list[str], found: list[str]) -> tuple[int, int]:
    """(matched, total): gold words found among ``found``, as multisets."""
    have = collections.Counter(w for w in (norm(t) for f in found for t in f.split()) if w)
    hit = 0
    for word, count in collections.Counter(gold).items():
        hit += min(count, have.get(word, 0))
    return hit, len(gold)
