"""``SignatureExtractor``: whether a signature line carries a signature → a boolean."""

from __future__ import annotations

from idp.datamodel import Page
from idp.extraction import Candidate, ExtractionContext, normalise_confidence, source_id
from idp.schemas import FieldSource

UNLABELLED_SCORE = 0.6
"""Label score of the only signature line of a document when its label says nothing."""


class SignatureExtractor:
    """Boolean fields whose schema source is ``signature``."""

    name = "signature"

    def extract(self, page: Page, context: ExtractionContext) -> list[Candidate]:
        """One candidate per signature line, scored by how well its label names the field."""
        fields = [
            name
            for name, spec in context.schema.fields.items()
            if spec.source == FieldSource.SIGNATURE
        ]
        n_lines = sum(len(p.signatures) for p in context.pages) or len(page.signatures)
        out: list[Candidate] = []
        for mark in page.signatures:
            for name in fields:
                score = 0.0
                if mark.label:
                    score = max(
                        context.labels.lexical(mark.label, [name]).get(name, 0.0),
                        context.labels.semantic(mark.label, [name]).get(name, 0.0),
                    )
                if n_lines == 1:
                    score = max(score, UNLABELLED_SCORE)
                if score <= 0.0:
                    continue
                bbox = page.relative(mark.bbox)
                out.append(
                    Candidate(
                        field=name,
                        text="signed" if mark.signed else "",
                        value=mark.signed,
                        page=page.number,
                        bbox=bbox,
                        extractor=self.name,
                        label=mark.label or None,
                        label_score=score,
                        ocr_confidence=normalise_confidence(mark.confidence),
                        source_id=source_id(page.number, bbox),
                    )
                )
        return out
