"""Scoring a label printed on a page against the schema's fields.

Two ways, kept apart so each extractor says which it used:

- **lexical**: the label (or one half of a bilingual "Enw cyntaf / First name") against each
  field's label hints and the phrasings learned from review, exact or fuzzy (OCR slips);
- **semantic**: MiniLM sentence embeddings of the label against the same phrasings, so a
  phrasing the schema never listed ("Income each month") still finds its field.

A learned phrasing counts exactly like a schema hint.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from idp.schemas import DocumentSchema, FieldSource
from idp.text import normalise_label

if TYPE_CHECKING:
    from idp.engines.embedder import MiniLmEmbedder

# A cosine at or below FLOOR says nothing; at or above CEIL it is as good as a listed hint.
SEMANTIC_FLOOR = 0.2
SEMANTIC_CEIL = 0.85
FUZZY_FLOOR = 0.8

def label_parts(text: str) -> list[str]:
    """The label and, for a bilingual label, each language's half ("Enw / Name")."""
    halves = [text]
    if " / " in text or "|" in text:
        halves += re.split(r"\s[/|]\s|\|", text)
    parts = []
    for half in halves:
        parts.append(normalise_label(half))
        # A note in brackets ("(including you)", "(in capitals)") says how, not what.
        parts.append(normalise_label(re.sub(r"\([^)]*\)", " ", half)))
    return list(dict.fromkeys(p for p in parts if p))


def humanise(field_name: str) -> str:
    """``date_of_birth`` → ``date of birth``."""
    return field_name.replace("_", " ")


class LabelMatcher:
    """Scores labels against a schema's fields, with learned phrasings as extra hints."""

    def __init__(
        self,
        schema: DocumentSchema,
        learned_hints: dict[str, list[str]] | None = None,
        embedder: Callable[[], MiniLmEmbedder] | None = None,
    ) -> None:
        self.schema = schema
        self._get_embedder = embedder
        self.phrasings: dict[str, list[str]] = {}
        for name, spec in schema.fields.items():
            phrasings = [normalise_label(h) for h in spec.hints()]
            phrasings += [normalise_label(h) for h in (learned_hints or {}).get(name, [])]
            self.phrasings[name] = list(dict.fromkeys(p for p in phrasings if p))
        self.text_fields = [
            name for name, spec in schema.fields.items() if spec.source == FieldSource.TEXT
        ]
        self._semantic_targets: tuple[list[str], list[str]] | None = None

    def lexical(self, label: str, fields: list[str] | None = None) -> dict[str, float]:
        """Field → 0–1 score from exact or fuzzy agreement with a hint (below 0.8 left out)."""
        parts = label_parts(label)
        scores: dict[str, float] = {}
        for name in fields if fields is not None else self.text_fields:
            best = 0.0
            for part in parts:
                for hint in self.phrasings[name]:
                    best = max(best, _fuzzy(part, hint))
            if best >= FUZZY_FLOOR:
                scores[name] = best
        return scores

    def prepare(self, labels: list[str]) -> None:
        """Embed many labels in one batch, so later ``semantic`` calls hit the cache."""
        if self._get_embedder is None:
            return
        parts = [p for label in labels for p in label_parts(label)]
        if parts:
            self._get_embedder().embed(parts)

    def semantic(self, label: str, fields: list[str] | None = None) -> dict[str, float]:
        """Field → 0–1 score from embedding similarity with hints (0 below the floor)."""
        if self._get_embedder is None:
            return {}
        parts = label_parts(label)
        if not parts:
            return {}
        allowed = set(fields if fields is not None else self.text_fields)
        owners, texts = self._targets()
        embedder = self._get_embedder()
        sims = embedder.embed(parts) @ embedder.embed(texts).T
        best = sims.max(axis=0)
        scores: dict[str, float] = {}
        for owner, sim in zip(owners, best, strict=True):
            if owner in allowed:
                scores[owner] = max(scores.get(owner, 0.0), _scale(float(sim)))
        return {k: v for k, v in scores.items() if v > 0}

    def best_per_field(self, labels: list[str]) -> dict[str, float]:
        """Every schema field's best score (lexical or semantic, 0–1) over ``labels``."""
        names = list(self.schema.fields)
        best = dict.fromkeys(names, 0.0)
        self.prepare(labels)
        for label in labels:
            scores = self.lexical(label, names)
            for name, score in self.semantic(label, names).items():
                scores[name] = max(scores.get(name, 0.0), score)
            for name, score in scores.items():
                best[name] = max(best[name], score)
        return best

    def similarity(self, label: str, phrasings: list[str]) -> float:
        """Best scaled embedding similarity (0–1) between a label and any of ``phrasings``."""
        if self._get_embedder is None or not phrasings:
            return 0.0
        parts = label_parts(label)
        if not parts:
            return 0.0
        embedder = self._get_embedder()
        sims = embedder.embed(parts) @ embedder.embed(phrasings).T
        return _scale(float(sims.max()))

    def _targets(self) -> tuple[list[str], list[str]]:
        if self._semantic_targets is None:
            owners: list[str] = []
            texts: list[str] = []
            for name, phrasings in self.phrasings.items():
                for text in [*phrasings, humanise(name)]:
                    owners.append(name)
                    texts.append(text)
            self._semantic_targets = (owners, texts)
        return self._semantic_targets


def _scale(cosine: float) -> float:
    return min(max((cosine - SEMANTIC_FLOOR) / (SEMANTIC_CEIL - SEMANTIC_FLOOR), 0.0), 1.0)


@lru_cache(maxsize=50_000)
def _fuzzy(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if min(len(a), len(b)) <= 4:
        return 0.0  # "dob" vs "job": fuzzy matching short labels invents matches
    return max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b)) / 100.0
