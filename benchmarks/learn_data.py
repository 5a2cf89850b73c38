"""Loading the shared development data as training examples for ``idp.learn``.

SROIE receipts: the line boxes of ``box/<n>.csv`` split into words (boxes apportioned by
characters) or our own OCR words, with the four key fields of ``key/<n>.json``. FUNSD
forms: the gold words with their question/answer entities and links. Both are read from
the shared data folder (``IDP_DATA_DIR`` or ``/work/shared/data``) and never copied.
"""

from __future__ import annotations

import csv
import json
import os
import random
from pathlib import Path

from idp.learn.dataset import (
    FieldExample,
    LayoutWord,
    PageWords,
    PairExample,
    reading_order,
    words_from_lines,
)

DATA_DIR = Path(os.environ.get("IDP_DATA_DIR", "/work/shared/data"))
RECEIPT_FIELDS = ["company", "date", "address", "total"]
RECEIPT_KINDS = ["text", "date", "text", "money"]


def sroie_ids(data: Path = DATA_DIR / "sroie-dev") -> list[str]:
    """Receipt ids that have both boxes and keys, sorted."""
    return sorted(
        p.stem
        for p in (data / "key").glob("*.json")
        if (data / "box" / p.name).with_suffix(".csv").exists()
    )


def sroie_split(n_train: int = 200, seed: int = 7) -> tuple[list[str], list[str]]:
    """A fixed seeded (train, test) split of the receipt ids."""
    ids = sroie_ids()
    random.Random(seed).shuffle(ids)
    return sorted(ids[:n_train]), sorted(ids[n_train:])


def sroie_values(receipt: str, data: Path = DATA_DIR / "sroie-dev") -> dict[str, str]:
    """The four key fields as given."""
    raw = json.loads((data / "key" / f"{receipt}.json").read_text())
    return {k: str(raw.get(k, "")) for k in RECEIPT_FIELDS}


def sroie_gold_page(receipt: str, data: Path = DATA_DIR / "sroie-dev") -> PageWords:
    """The receipt's gold line boxes as words, in reading order."""
    from PIL import Image

    with Image.open(data / "img" / f"{receipt}.jpg") as image:
        width, height = image.size
    lines = []
    with open(data / "box" / f"{receipt}.csv", encoding="utf-8", errors="replace") as fh:
        for row in csv.reader(fh):
            if len(row) < 9:
                continue
            xs = [float(v) for v in row[0:8:2]]
            ys = [float(v) for v in row[1:8:2]]
            lines.append((",".join(row[8:]), (min(xs), min(ys), max(xs), max(ys))))
    return PageWords(reading_order(words_from_lines(lines)), float(width), float(height))


def sroie_examples(ids: list[str], pages: dict[str, PageWords] | None = None) -> list[FieldExample]:
    """Examples from gold words, or from ``pages`` (e.g. OCR words) where given."""
    return [
        FieldExample((pages or {}).get(r) or sroie_gold_page(r), sroie_values(r), name=r)
        for r in ids
    ]


def funsd_ids(data: Path = DATA_DIR / "funsd-train") -> list[str]:
    """FUNSD form ids, sorted."""
    return sorted(p.stem for p in (data / "annotations").glob("*.json"))


def funsd_example(form_id: str, data: Path = DATA_DIR / "funsd-train") -> PairExample:
    """A form's gold words in reading order with its entities and question→answer links."""
    from PIL import Image

    form = json.loads((data / "annotations" / f"{form_id}.json").read_text())["form"]
    with Image.open(data / "images" / f"{form_id}.png") as image:
        width, height = image.size
    raw: list[tuple[LayoutWord, int]] = []
    for k, entity in enumerate(form):
        for w in entity["words"]:
            if w["text"].strip():
                raw.append((LayoutWord(w["text"], tuple(float(v) for v in w["box"])), k))  # type: ignore[arg-type]
    ordered = reading_order([w for w, _ in raw])
    index = {id(w): i for i, w in enumerate(ordered)}
    members: dict[int, list[int]] = {}
    for w, k in raw:
        members.setdefault(k, []).append(index[id(w)])
    entity_index: dict[int, int] = {}
    entities: list[tuple[str, list[int]]] = []
    for k, entity in enumerate(form):
        if k in members:
            entity_index[entity["id"]] = len(entities)
            entities.append((entity["label"], sorted(members[k])))
    links = set()
    for entity in form:
        for a, b in entity.get("linking", []):
            if a in entity_index and b in entity_index:
                qa = (entity_index[a], entity_index[b])
                if entities[qa[0]][0] == "question" and entities[qa[1]][0] == "answer":
                    links.add(qa)
    return PairExample(
        PageWords(ordered, float(width), float(height)), entities, sorted(links), name=form_id
    )
