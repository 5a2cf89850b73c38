"""``PatternExtractor``: values recognisable by their format alone, found anywhere on a page.

An NI number, a postcode, an email address or a UK phone number looks like nothing else, so
one found without a label is still a fair candidate; a label raises it (the key of the
pair whose value holds the match, else the line's text before it).
Dates and amounts are proposed with a lower score: without a label they are ambiguous.
The patterns themselves are the formats' own (``idp.formats``).
"""

from __future__ import annotations

import re

from idp.datamodel import KeyValue, Page, Word
from idp.extraction import Candidate, ExtractionContext, normalise_confidence, source_id
from idp.geometry import centre_in, union
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
    """Format matches in each line of text; one candidate per match."""

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
        labels = _labels_by_value(context.pairs(page))
        out: list[Candidate] = []
        for line in page.lines:
            line_words = [page.words[i] for i in line.word_ids]
            for name, (pattern, base) in targets:
                for m in pattern.finditer(line.text):
                    words = _words_of_span(line.text, m.start(), m.end(), line_words)
                    bbox = page.relative(union(w.bbox for w in words))
                    # The label of the pair whose value this is, else what precedes it.
                    prefix = _label_of(bbox, labels) or line.text[: m.start()].strip()
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
                            ocr_confidence=min(normalise_confidence(w.confidence) for w in words),
                            source_id=source_id(page.number, bbox),
                            features={"unlabelled": float(label_score < 0.75)},
                        )
                    )
        return out


def _labels_by_value(pairs: list[KeyValue]) -> list[tuple[list[float], str]]:
    return [(kv.value_bbox, kv.key) for kv in pairs if kv.value_bbox is not None]


def _label_of(bbox: list[float], labels: list[tuple[list[float], str]]) -> str:
    """The label of the first pair whose value box holds the centre of ``bbox``."""
    return next((key for value_box, key in labels if centre_in(bbox, value_box)), "")


def _words_of_span(text: str, start: int, end: int, words: list[Word]) -> list[Word]:
    """The words of a space-joined line that a character span touches."""
    out = []
    pos = 0
    for word in words:
        w_start, w_end = pos, pos + len(word.text)
        if w_end > start and w_start < end:
            out.append(word)
        pos = w_end + 1
    return out or list(words)
