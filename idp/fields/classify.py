"""The classify stage: which schema a document's pages read as, and whether that is the
one it was declared as.

A light classifier, no model: for every schema, the share of its fields whose label is on
the pages (the layout's key–value keys and its lines, matched with the extraction's own
label matcher, lexical and MiniLM, against each schema's hints). A document declared as one schema
that reads clearly as another goes to review with ``wrong_type``.
"""

from __future__ import annotations

from idp.datamodel import Classification, ProcessingResult, ReviewReason
from idp.extraction import LabelMatcher
from idp.fields.extract import _embedder_factory
from idp.schemas import DocumentSchema, load_schemas
from idp.settings import Settings

MIN_COVERAGE = 0.25
"""Below this share of its fields' labels on the pages, a schema does not describe them."""
WRONG_TYPE_MARGIN = 0.08
"""The declared schema is wrong when another covers this much more of its own fields
(on held-out application forms the right schema led parking_permit by 0.10–0.19)."""


def coverage(schema: DocumentSchema, labels: list[str]) -> float:
    """Share of ``schema``'s fields (weighted by the best match, 0–1) whose label is among
    ``labels``."""
    if not schema.fields:
        return 0.0
    matcher = LabelMatcher(schema, embedder=_embedder_factory())
    return sum(matcher.best_per_field(labels).values()) / len(schema.fields)


def classify_pages(result: ProcessingResult, settings: Settings) -> Classification:
    """Every schema's coverage of the result's pages; the best one when it reaches
    ``MIN_COVERAGE``, with a confidence of best / (best + runner-up)."""
    labels = [kv.key for page in result.pages for kv in page.key_values]
    labels += [line.text for page in result.pages for line in page.lines if len(line.text) < 80]
    labels = list(dict.fromkeys(label for label in labels if label.strip()))
    scores = {
        name: round(coverage(schema, labels), 4)
        for name, schema in sorted(load_schemas(settings).items())
    }
    ranked = sorted(scores.values(), reverse=True) + [0.0, 0.0]
    best_name = max(scores, key=lambda k: scores[k]) if scores else None
    if best_name is None or scores[best_name] < MIN_COVERAGE:
        return Classification(schema=None, confidence=0.0, candidates=scores)
    confidence = ranked[0] / (ranked[0] + ranked[1]) if ranked[0] > 0 else 0.0
    return Classification(schema=best_name, confidence=round(confidence, 4), candidates=scores)


def classify_result(result: ProcessingResult, settings: Settings) -> None:
    """The classify stage: record ``result.classification``; a declared schema that another
    one beats by ``WRONG_TYPE_MARGIN`` adds the ``wrong_type`` review reason."""
    found = classify_pages(result, settings)
    result.classification = found
    declared = result.schema_name
    if declared is None or found.schema_name in (None, declared):
        return
    margin = found.candidates[found.schema_name] - found.candidates.get(declared, 0.0)
    if margin >= WRONG_TYPE_MARGIN and ReviewReason.WRONG_TYPE not in result.review_reasons:
        result.review_reasons.append(ReviewReason.WRONG_TYPE)
