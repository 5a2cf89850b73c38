"""idp.learn trains a tiny model: a field with no label, found by position alone, and a
model that round-trips through bytes and object storage."""

from __future__ import annotations

import random
import uuid
from pathlib import Path
from typing import Any

import pytest

from idp.learn.dataset import FieldExample, LayoutWord, PageWords, reading_order

pytestmark = [pytest.mark.ml, pytest.mark.slow]

SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "be", "do", "fa", "gu", "so"]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).upper()


def _line(rng: random.Random, y: float, x: float, height: float, n: int) -> list[LayoutWord]:
    words, pos = [], x
    for _ in range(n):
        text = _word(rng)
        width = 0.6 * height * len(text)
        words.append(LayoutWord(text, (pos, y, pos + width, y + height)))
        pos += width + 0.6 * height
    return words


def synthetic_page(rng: random.Random) -> FieldExample:
    """A page of random words where the ``title`` is the one centred line in large print
    some way down the page: no label, and words above it, so only position tells."""
    words: list[LayoutWord] = []
    y = 20.0
    for _ in range(rng.randint(1, 3)):  # small print above the title
        words += _line(rng, y, rng.uniform(20, 200), 12, rng.randint(2, 4))
        y += 22
    title = _line(rng, 150 + rng.uniform(-10, 10), 0, 24, rng.randint(2, 3))
    shift = 300 - title[-1].box[2] / 2
    title = [
        LayoutWord(w.text, (w.box[0] + shift, w.box[1], w.box[2] + shift, w.box[3])) for w in title
    ]
    words += title
    y = 200.0
    for _ in range(rng.randint(4, 8)):
        words += _line(rng, y, rng.uniform(20, 200), 12, rng.randint(2, 5))
        y += 24
    page = PageWords(reading_order(words), 600.0, 800.0)
    return FieldExample(page, {"title": " ".join(w.text for w in title)})


@pytest.fixture(scope="module")
def tiny_model():  # noqa: ANN201 - LayoutModel
    from idp.learn.train import TrainConfig, train_fields

    rng = random.Random(5)
    examples = [synthetic_page(rng) for _ in range(40)]
    config = TrainConfig(
        epochs=6,
        encoder_layers=1,
        frozen_layers=0,
        accumulate=1,
        head_lr=3e-3,
        encoder_lr=3e-4,
        validation_share=0.25,
        threads=1,
    )
    return train_fields(examples, ["title"], ["text"], "synthetic", "1", config)


def test_a_field_with_no_label_is_learned_from_its_position(tiny_model) -> None:  # noqa: ANN001
    from idp.learn.compare import same_value

    rng = random.Random(99)
    unseen = [synthetic_page(rng) for _ in range(20)]
    right = 0
    for example in unseen:
        found = tiny_model.predict_fields(example.page)
        right += "title" in found and same_value(
            "text", found["title"].text, example.values["title"]
        )
    assert right >= 17, f"{right}/20 titles found"
    meta = tiny_model.meta
    assert meta.version.startswith("synthetic-") and len(meta.training_set_hash) == 64
    assert 0.0 <= meta.thresholds["title"] <= 1.0
    assert meta.metrics["validation_examples"] == 10


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def objects(request: pytest.FixtureRequest, tmp_path: Path):  # noqa: ANN201 - ObjectStore
    """The local folder store and a real S3 server (SeaweedFS)."""
    from idp.storage import LocalObjectStore, S3ObjectStore

    if request.param == "local":
        return LocalObjectStore(tmp_path / "objects")
    s3: dict[str, Any] = request.getfixturevalue("s3_server")
    return S3ObjectStore(
        s3["endpoint"], s3["access_key"], s3["secret_key"], f"m-{uuid.uuid4().hex[:12]}"
    )


def test_the_model_round_trips_through_bytes_and_object_storage(tiny_model, objects) -> None:  # noqa: ANN001
    import torch

    from idp.learn.artefact import (
        ArtefactError,
        load_model,
        model_from_bytes,
        model_to_bytes,
        publish,
        read_meta,
        use_version,
        versions,
    )
    page = synthetic_page(random.Random(3)).page
    before, _ = tiny_model.probabilities(page)
    data = model_to_bytes(tiny_model)
    assert read_meta(data) == tiny_model.meta
    again = model_from_bytes(data)
    after, _ = again.probabilities(page)
    assert torch.allclose(before, after, atol=2e-2)  # weights are stored as float16
    assert again.predict_fields(page)["title"].text == tiny_model.predict_fields(page)["title"].text

    store = objects
    first = publish(store, tiny_model)
    again.meta.version = first.replace("synthetic-", "synthetic-z")  # a later version
    second = publish(store, again)
    assert versions(store, "synthetic") == [first, second]
    assert load_model(store, "synthetic").meta.version == second
    use_version(store, "synthetic", first)  # roll back
    loaded = load_model(store, "synthetic")
    assert loaded.meta.version == first
    assert loaded.meta.thresholds == tiny_model.meta.thresholds
    with pytest.raises(ArtefactError):
        use_version(store, "synthetic", "no-such-version")
    with pytest.raises(ArtefactError):
        model_from_bytes(b"not a zip")


def test_the_current_model_proposes_candidates_as_an_extractor(tiny_model, tmp_path: Path) -> None:  # noqa: ANN001
    from idp.datamodel import Page, PageSource, Word
    from idp.extraction import ExtractionContext, LabelMatcher
    from idp.learn.artefact import publish
    from idp.learn.extractor import LearnedFieldExtractor
    from idp.schemas import DocumentSchema
    from idp.storage import LocalObjectStore

    example = synthetic_page(random.Random(8))
    page = Page(
        number=1,
        width=600.0,
        height=800.0,
        source=PageSource.TEXT_LAYER,
        words=[Word(text=w.text, bbox=w.box) for w in example.page.words],
    )
    fields = {"title": {"type": "string", "threshold": 0.9, "label_hints": {"en": ["Title"]}}}
    schema = DocumentSchema(name="synthetic", version="1", retention_days=1, fields=fields)
    context = ExtractionContext(schema=schema, labels=LabelMatcher(schema))
    store = LocalObjectStore(tmp_path / "objects")
    assert LearnedFieldExtractor(store).extract(page, context) == []  # no model yet

    version = publish(store, tiny_model)
    (candidate,) = LearnedFieldExtractor(store).extract(page, context)
    assert candidate.field == "title"
    assert candidate.text == example.values["title"]
    assert candidate.extractor == f"learned:{version}"
    assert candidate.bbox is not None and 0.0 <= candidate.bbox[1] < candidate.bbox[3] <= 1.0


def test_the_cli_lists_versions_and_rolls_back(
    tiny_model, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:  # noqa: ANN001
    from idp.cli import main
    from idp.learn.artefact import current_version, publish
    from idp.settings import get_settings
    from idp.storage import get_storage

    monkeypatch.setenv("IDP_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        store = get_storage()
        first = publish(store, tiny_model)
        tiny_model.meta.version = first.replace("synthetic-", "synthetic-z")
        second = publish(store, tiny_model)
        tiny_model.meta.version = first
        assert main(["models", "--schema", "synthetic"]) == 0
        assert capsys.readouterr().out.splitlines() == [f"  {first}", f"* {second}"]
        assert main(["models", "--schema", "synthetic", "--previous"]) == 0
        assert current_version(store, "synthetic") == first
        assert main(["models", "--schema", "synthetic", "--previous"]) != 0  # none before
        assert main(["models", "--schema", "synthetic", "--use", second]) == 0
        assert current_version(store, "synthetic") == second
    finally:
        get_settings.cache_clear()
