"""``SemanticLabelExtractor``: labels the schema never listed, matched by meaning.

Each label is embedded with MiniLM (``idp.engines.embedder``) and compared with the
embeddings of every field's hints and learned phrasings, so "Income each month" finds
``monthly_income`` although only "Monthly income" is listed.
"""

from __future__ import annotations

from extractors.base import Candidate, ExtractionContext
from extractors.keyvalue import pair_candidates
from idp.datamodel import Page

MIN_SCORE = 0.15


class SemanticLabelExtractor:
    """Pairs whose label is close in meaning to a field's phrasings."""

    name = "semantic"

    def extract(self, page: Page, context: ExtractionContext) -> list[Candidate]:
        """Candidates from label–value pairs with a semantically matching label."""
        out: list[Candidate] = []
        pairs = context.pairs(page)
        context.labels.prepare([text for pair in pairs for text in (pair.label, pair.value)])
        for pair in pairs:
            if len(pair.label) > 80 or not any(ch.isalpha() for ch in pair.label):
                continue  # a sentence or a number is not a label
            scores = {
                k: v for k, v in context.labels.semantic(pair.label).items() if v >= MIN_SCORE
            }
            if not scores:
                continue
            value_scores = context.labels.semantic(pair.value)
            lexical = context.labels.lexical(pair.value)
            value_score = max([*value_scores.values(), *lexical.values(), 0.0])
            out += pair_candidates(pair, scores, value_score, self.name)
        return out
