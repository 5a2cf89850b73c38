"""A trained model ready to use: fields of a page, or question→answer pairs of a page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from idp.learn.dataset import PageWords, tag_names
from idp.learn.decode import FieldPrediction, decode_entities, decode_fields
from idp.learn.model import LayoutTagger, encode_page, span_geometry

PAIR_MIN_PROBABILITY = 0.5
"""Link probability a question→answer pair needs to be reported."""


@dataclass
class ModelMeta:
    """What an artefact says about its model (stored as JSON beside the weights)."""

    kind: str
    """``fields`` (a schema's fields) or ``pairs`` (generic question→answer pairs)."""
    schema: str
    """Document type the model extracts (``key_values`` for a pairs model)."""
    fields: list[str]
    """Field (or entity) names, in tag order."""
    kinds: list[str]
    """How each field's value is cut from its words: ``text``, ``money`` or ``date``."""
    version: str = ""
    """Version id: schema, date and training-set hash; how the service names it."""
    schema_version: str = ""
    """Version of the schema file the model was trained for."""
    thresholds: dict[str, float] = field(default_factory=dict)
    """Calibrated confidence threshold per field."""
    training_set_hash: str = ""
    """sha256 over the training examples (words, boxes and values)."""
    created: str = ""
    """ISO-8601 time the training finished."""
    tokenizer: dict[str, str] = field(default_factory=dict)
    """Which tokenizer (package, version, vocabulary hash) the weights expect."""
    metrics: dict[str, Any] = field(default_factory=dict)
    """Validation figures: per-field F1, calibration, sizes, seconds."""
    config: dict[str, Any] = field(default_factory=dict)
    """Training settings used."""


@dataclass
class PairPrediction:
    """One question→answer pair found on a page."""

    question: str
    answer: str
    confidence: float
    question_words: list[int]
    answer_words: list[int]


class LayoutModel:
    """A ``LayoutTagger`` with its tokenizer and metadata."""

    def __init__(self, tagger: LayoutTagger, tokenizer: Any, meta: ModelMeta) -> None:
        self.tagger = tagger
        self.tokenizer = tokenizer
        self.meta = meta
        self.tags = tag_names(meta.fields)

    def probabilities(self, page: PageWords) -> tuple[torch.Tensor, torch.Tensor]:
        """(words, tags) tag probabilities and (words, hidden) word vectors."""
        self.tagger.eval()
        with torch.inference_mode():
            vectors = self.tagger.word_vectors(encode_page(self.tokenizer, page))
            return torch.softmax(self.tagger.tag_logits(vectors), dim=-1), vectors

    def predict_fields(self, page: PageWords) -> dict[str, FieldPrediction]:
        """Each field's best value on the page (fields not found are left out)."""
        if not page.words:
            return {}
        probs, _ = self.probabilities(page)
        return decode_fields(page, probs.tolist(), self.meta.fields, self.meta.kinds)

    def predict_pairs(self, page: PageWords) -> list[PairPrediction]:
        """Question→answer pairs: entities from the tags, each answer linked to its most
        likely question when the link probability reaches ``PAIR_MIN_PROBABILITY``."""
        if not page.words:
            return []
        probs, vectors = self.probabilities(page)
        entities = decode_entities(page, probs.argmax(-1).tolist(), self.meta.fields)
        questions = [words for label, words in entities if label == "question"]
        answers = [words for label, words in entities if label == "answer"]
        if not questions or not answers:
            return []
        with torch.inference_mode():
            geometry = span_geometry(page, questions, answers)
            links = torch.sigmoid(self.tagger.pair_logits(vectors, questions, answers, geometry))
        out = []
        for j, answer in enumerate(answers):
            i = int(links[:, j].argmax())
            p = float(links[i, j])
            if p >= PAIR_MIN_PROBABILITY:
                out.append(
                    PairPrediction(
                        question=" ".join(page.words[w].text for w in questions[i]),
                        answer=" ".join(page.words[w].text for w in answer),
                        confidence=p,
                        question_words=list(questions[i]),
                        answer_words=list(answer),
                    )
                )
        return out
