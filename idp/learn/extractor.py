"""The learned model as an extractor: candidates for a schema's fields from its current
model in object storage, beside the rule extractors.

A schema with no trained model gets no candidates (so registering this extractor changes
nothing until ``idp train`` has run). The model's confidence is mapped onto the schema's
scale so that the model's calibrated threshold lands on the field's review threshold:
a value the model is as sure of as its calibration demands is accepted, no surer.
Provenance names the model version (``learned:<version>``).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from idp.datamodel import Page
from idp.extraction import Candidate, ExtractionContext, source_id

if TYPE_CHECKING:
    from idp.learn.predict import LayoutModel
    from idp.storage.base import ObjectStore

log = logging.getLogger(__name__)

RECHECK_S = 60.0
"""How often the extractor asks storage which model version is current."""


def on_schema_scale(confidence: float, model_threshold: float, schema_threshold: float) -> float:
    """Piecewise-linear map of a model confidence that sends the model's calibrated
    threshold to the schema's threshold (0 → 0, 1 → 1)."""
    if model_threshold >= 1.0:
        return min(confidence, 1.0) * schema_threshold * 0.999  # never trusted alone
    if confidence >= model_threshold:
        span = (confidence - model_threshold) / (1.0 - model_threshold)
        return schema_threshold + span * (1.0 - schema_threshold)
    return confidence / model_threshold * schema_threshold if model_threshold > 0 else 0.0


class LearnedFieldExtractor:
    """Proposes each field's value as the schema's current learned model reads the page."""

    name = "learned"

    def __init__(self, store: ObjectStore | None = None) -> None:
        """``store`` fixes the object store (tests); by default the configured one."""
        self._store = store
        self._models: dict[str, tuple[float, LayoutModel | None]] = {}
        self._lock = threading.Lock()

    def _current_version(self, schema: str) -> str | None:
        from idp.learn.artefact import current_key

        try:
            if self._store is not None:
                store = self._store
            else:
                from idp.storage import get_storage

                store = get_storage()
            return store.get(current_key(schema)).decode().strip() or None
        except Exception:  # no model for this schema, or storage unreachable: no proposal
            return None

    def _model(self, schema: str) -> LayoutModel | None:
        """The schema's current model, asked of storage at most every ``RECHECK_S``;
        torch is imported only when a model exists."""
        with self._lock:
            checked, model = self._models.get(schema, (-RECHECK_S, None))
            if time.monotonic() - checked < RECHECK_S:
                return model
            version = self._current_version(schema)
            if version is None:
                model = None
            elif model is None or model.meta.version != version:
                from idp.learn.artefact import load_model
                from idp.storage import get_storage

                try:
                    model = load_model(self._store or get_storage(), schema, version)
                except Exception:  # a broken artefact must not stop the rule extractors
                    log.exception("model %s for schema %s could not be loaded", version, schema)
                    model = None
            self._models[schema] = (time.monotonic(), model)
            return model

    def extract(self, page: Page, context: ExtractionContext) -> list[Candidate]:
        """Candidates for the schema's fields the model was trained on."""
        from idp.learn.dataset import page_words_from_page

        model = self._model(context.schema.name)
        if model is None or model.meta.kind != "fields" or not page.words:
            return []
        words = page_words_from_page(page)
        out = []
        for name, found in model.predict_fields(words).items():
            spec = context.schema.fields.get(name)
            if spec is None:
                continue
            x0, y0, x1, y1 = found.box
            bbox = [x0 / page.width, y0 / page.height, x1 / page.width, y1 / page.height]
            score = on_schema_scale(
                found.confidence, model.meta.thresholds.get(name, 1.0), spec.threshold
            )
            out.append(
                Candidate(
                    field=name,
                    text=found.text,
                    page=page.number,
                    bbox=bbox,
                    extractor=f"{self.name}:{model.meta.version}",
                    label_score=score,
                    ocr_confidence=1.0,
                    source_id=source_id(page.number, bbox),
                    features={"model_confidence": found.confidence},
                )
            )
        return out
