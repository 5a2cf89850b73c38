"""``SemanticLabelExtractor``: labels the schema never listed, matched by meaning.

Each label is embedded with MiniLM (``idp.engines.embedder``) and compared with the
embeddings of every field's hints and learned phrasings, so "Income each month" finds
``monthly_income`` although only "Monthly income" is listed.
"""

from __future__ import annotations

from extractors.keyvalue import pair_candidates, value_label_scores
from idp.datamodel import Page
from idp.extraction import Candidate, ExtractionContext

MIN_SCORE = 0.1
"""A label whose best field scores below this names no field."""


class SemanticLabelExtractor:
    """Pairs whose label is close in meaning to a field's phrasings."""

    name = "semantic"

    def extract(self, page: Page, context: ExtractionContext) -> list[Candidate]:
        """Candidates from label–value pairs with a semantically matching label."""
        out: list[Candidate] = []
        pairs = context.pairs(page)
        context.labels.prepare([text for pair in pairs for text in (pair.key, pair.value)])
        for pair in pairs:
            if len(pair.key) > 80 or not any(ch.isalpha() for ch in pair.key):
                continue  # a sentence or a number is not a label
            scores = context.labels.semantic(pair.key)
            if max(scores.values(), default=0.0) < MIN_SCORE:
                continue
            value_scores = value_label_scores(pair, context)
            out += pair_candidates(pair, scores, value_scores, self.name, context)
        return out
