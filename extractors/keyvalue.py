"""``KeyValueExtractor``: a label that matches a field's hints, and the value beside it."""

from __future__ import annotations

from extractors.base import Candidate, ExtractionContext, source_id
from extractors.pairs import LabelValuePair
from idp.datamodel import Page

MAX_FIELDS_PER_LABEL = 2


def pair_candidates(
    pair: LabelValuePair, scores: dict[str, float], value_score: float, extractor: str
) -> list[Candidate]:
    """Candidates for the best-scoring fields of one pair's label (the rest are noise)."""
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:MAX_FIELDS_PER_LABEL]
    if not ranked:
        return []
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    out = []
    for rank, (name, score) in enumerate(ranked):
        margin = score - runner_up if rank == 0 else score - ranked[0][1]
        out.append(
            Candidate(
                field=name,
                text=pair.value,
                page=pair.page,
                bbox=pair.value_bbox,
                extractor=extractor,
                label=pair.label,
                label_score=score,
                ocr_confidence=pair.confidence,
                source_id=source_id(pair.page, pair.value_bbox),
                features={"margin": margin, "value_is_label": value_score},
            )
        )
    return out


class KeyValueExtractor:
    """Pairs whose label agrees, exactly or fuzzily, with a hint or a learned phrasing."""

    name = "keyvalue"

    def extract(self, page: Page, context: ExtractionContext) -> list[Candidate]:
        """Candidates from label–value pairs with a lexically matching label."""
        out: list[Candidate] = []
        for pair in context.pairs(page):
            scores = context.labels.lexical(pair.label)
            if not scores:
                continue
            value_scores = context.labels.lexical(pair.value)
            value_score = max(value_scores.values(), default=0.0)
            out += pair_candidates(pair, scores, value_score, self.name)
        return out
