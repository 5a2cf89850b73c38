"""The extractor interface: a ``Candidate``, the ``Extractor`` Protocol and its context.

An extractor looks at one page and proposes candidates for schema fields; it never decides.
The merge step in ``idp.fields`` normalises every candidate, scores it and picks a winner
per field, keeping the rest as alternatives.

This package is all that extractors (the built-ins in the top-level ``extractors`` package
and plugins) need from ``idp``, besides the data model and schemas; ``idp`` finds them only
through ``idp.extraction.registry``, never by importing them.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Protocol, runtime_checkable

from idp.datamodel import KeyValue, Page, normalise_confidence
from idp.extraction.labels import LabelMatcher
from idp.schemas import DocumentSchema

__all__ = [
    "Candidate",
    "ExtractionContext",
    "Extractor",
    "RIVAL",
    "LabelMatcher",
    "normalise_confidence",
    "source_id",
]


@dataclass
class Candidate:
    """One proposed value for one field, with its evidence and provenance."""

    field: str
    """Schema field this candidate is for."""
    text: str
    """Evidence text as read from the page."""
    page: int
    """Page number, from 1."""
    bbox: list[float] | None
    """Box of the evidence, relative to the page (0–1, origin top-left)."""
    extractor: str
    """Name of the extractor that proposed it."""
    label: str | None = None
    """The label on the page that led to the value, when there was one."""
    label_score: float = 0.0
    """How surely the label (or other context) points at this field, 0–1."""
    ocr_confidence: float = 1.0
    """Reading confidence of the evidence, 0–1 (1 for a text layer)."""
    value: Any = None
    """A value already typed by the extractor (enum member, boolean); else from ``text``."""
    source_id: str = ""
    """Identity of the evidence on the page: one piece of evidence can win only one field."""
    label_id: str | None = None
    """Identity of the label on the page: one label can name only one field."""
    errors: list[str] = dataclass_field(default_factory=list)
    """Problems the extractor itself saw (two boxes ticked, say)."""
    features: dict[str, float] = dataclass_field(default_factory=dict)
    """Other evidence for the confidence model (``value_is_label``, ``margin``…)."""


RIVAL = "rival:"
"""Feature-name prefix of a rival field's label score: ``features["rival:last_name"]`` is how
well the candidate's label also names ``last_name`` (a field that could hold the value too)."""


@dataclass
class ExtractionContext:
    """What every extractor may consult besides the page."""

    schema: DocumentSchema
    """The document type being extracted."""
    labels: LabelMatcher
    """Scores a label against the schema's fields (hints, learned hints, semantics)."""
    pages: list[Page] = dataclass_field(default_factory=list)
    """All pages of the document, for extractors that look across pages."""

    def pairs(self, page: Page) -> list[KeyValue]:
        """The page's key–value pairs, then its possible pairs whose text they lack.

        The one place the extractors' view of pairs is assembled: the layout stage's
        ``key_values`` (each segment in one pair, as the record shows them) come first,
        then ``possible_pairs`` (a label with every plausible value) for the label matcher
        to weigh.
        """
        seen: set[tuple[str, str]] = set()
        out = []
        for kv in [*page.key_values, *page.possible_pairs]:
            text = (" ".join(kv.key.split()), " ".join(kv.value.split()))
            if kv.key.strip() and kv.value.strip() and text not in seen:
                seen.add(text)
                out.append(kv)
        return out


@runtime_checkable
class Extractor(Protocol):
    """Proposes candidates for schema fields from one page."""

    name: str
    """Short name written into each field's ``extractor`` provenance."""

    def extract(self, page: Page, context: ExtractionContext) -> list[Candidate]:
        """Candidates found on ``page``; an empty list when there are none."""
        ...


def source_id(page: int, bbox: list[float] | None) -> str:
    """A stable identity for a box of evidence on a page."""
    if bbox is None:
        return f"{page}:?"
    return f"{page}:" + ",".join(f"{v:.3f}" for v in bbox)
