"""``PatternExtractor``: values recognisable by their format alone, found anywhere on a page.

An NI number, a postcode, an email address or a UK phone number looks like nothing else, so
one found without a label is still a fair candidate; a label close to its left raises it.
Dates and amounts are proposed with a lower score: without a label they are ambiguous.
The patterns themselves are the formats' own (``idp.formats``).
"""

from __future__ import annotations

import re

from extractors.base import Candidate, ExtractionContext, source_id
from extractors.pairs import segments_of
from idp.datamodel import Page, Word
from idp.geometry import union
from idp.schemas import FieldSource, FieldSpec

UNLABELLED_SCORE = 0.5
"""Label score of a format match with no label: the format alone is decent evidence."""
AMBIGUOUS_SCORE = 0.25
"""Label score of a date or an amount with no label: several fields could own it."""


def pattern_for(spec: FieldSpec) -> tuple[re.Pattern[str], float] | None:
    """The pattern a field's values follow (from the format registry), and how telling a
    bare match is."""
    if spec.source != FieldSource.TEXT:
        return None
    fmt = spec.value_format()
    pattern = fmt.search_pattern()
    if pattern is None:
        return None
    return pattern, UNLABELLED_SCORE if fmt.distinctive else AMBIGUOUS_SCORE


class PatternExtractor:
    """Format matches in each segment of text; one candidate per match."""

    name = "patterns"

    def extract(self, page: Page, context: ExtractionContext) -> list[Candidate]:
        """Candidates for string fields whose format has a recognisable pattern."""
        targets = [
            (name, found)
            for name, spec in context.schema.fields.items()
            if (found := pattern_for(spec)) is not None
        ]
        if not targets:
            return []
        out: list[Candidate] = []
        for row in segments_of(page):
            for i, seg in enumerate(row):
                # A value whose label sits just left of it in the same row.
                left = row[i - 1].text if i > 0 else ""
                for name, (pattern, base) in targets:
                    for m in pattern.finditer(seg.text):
                        words = _words_of_span(seg.text, m.start(), m.end(), seg.words)
                        bbox = page.relative(union(w.bbox for w in words))
                        prefix = seg.text[: m.start()].strip() or left
                        label_score = context.labels.lexical(prefix, [name]).get(name, 0.0)
                        out.append(
                            Candidate(
                                field=name,
                                text=m.group(0),
                                page=page.number,
                                bbox=bbox,
                                extractor=self.name,
                                label=prefix or None,
                                label_score=max(base, label_score),
                                ocr_confidence=min(
                                    (w.confidence if w.confidence <= 1 else w.confidence / 100)
                                    for w in words
                                ),
                                source_id=source_id(page.number, bbox),
                                features={"unlabelled": float(label_score < 0.75)},
                            )
                        )
        return out


def _words_of_span(text: str, start: int, end: int, words: list[Word]) -> list[Word]:
    """The words of a space-joined segment that a character span touches."""
    out = []
    pos = 0
    for word in words:
        w_start, w_end = pos, pos + len(word.text)
        if w_end > start and w_start < end:
            out.append(word)
        pos = w_end + 1
    return out or list(words)
