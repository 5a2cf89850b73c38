"""Learned extractors on real documents: receipts (SROIE) and form key–value pairs (FUNSD).

Receipts: trains the layout tagger on a fixed split of sroie-dev (200 train, of which the
training run holds out 20 % for calibration; 52 test), then prints on the test receipts the
per-field F1 normalised (company/address case-, space- and punctuation-insensitive, dates
as dates, totals as numbers) and on exact strings, the share right at/above each field's
calibrated threshold, training seconds and inference seconds per page — with the dataset's
line boxes split into words, and end to end with idp's own OCR words (``--ocr``).

FUNSD: trains the question/answer tagger and pair scorer on part of funsd-train and prints
question→answer pair F1 on the held-out forms, with gold words and (``--ocr``) with OCR.

    .venv/bin/python benchmarks/bench_learn.py receipts [--epochs N] [--ocr] [--save PATH]
    .venv/bin/python benchmarks/bench_learn.py funsd [--epochs N] [--ocr]

Data is read from ``IDP_DATA_DIR`` (default ``/work/shared/data``), never copied. OCR words
are cached under ``benchmarks/out/`` (git-ignored) so a rerun does not OCR again.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from learn_data import (  # noqa: E402
    DATA_DIR,
    RECEIPT_FIELDS,
    RECEIPT_KINDS,
    funsd_example,
    funsd_ids,
    sroie_examples,
    sroie_split,
)

from idp.learn.dataset import LayoutWord, PageWords, reading_order  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"


def ocr_page(image: Path) -> tuple[PageWords, str]:
    """Words from idp's ingest + reading stages (whatever OCR main has), boxes in the
    image's pixels; cached as JSON. Returns the page and the engine description."""
    cache = OUT / "learn-ocr" / f"{image.parent.parent.name}-{image.stem}.json"
    if cache.exists():
        raw = json.loads(cache.read_text())
    else:
        from PIL import Image

        from idp.datamodel import ProcessingOptions, ProcessingResult, Source
        from idp.ingest import open_document
        from idp.reading import read_pages
        from idp.settings import get_settings

        settings = get_settings()
        doc = open_document(image.read_bytes(), image.name, settings.limits)
        result = ProcessingResult(id=str(uuid.uuid4()), source=Source(filename=image.name))
        pages, _ = read_pages(doc, ProcessingOptions(), settings, result)
        page = pages[0]
        with Image.open(image) as im:
            w, h = im.size
        sx, sy = w / page.width if page.width else 1, h / page.height if page.height else 1
        raw = {
            "width": w,
            "height": h,
            "engine": f"idp.reading ({page.source}, languages {ProcessingOptions().languages})",
            "words": [
                [wd.text, [wd.bbox[0] * sx, wd.bbox[1] * sy, wd.bbox[2] * sx, wd.bbox[3] * sy]]
                for wd in page.words
                if wd.text.strip()
            ],
        }
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(raw))
    words = [LayoutWord(t, tuple(b)) for t, b in raw["words"]]  # type: ignore[arg-type]
    return PageWords(reading_order(words), raw["width"], raw["height"]), raw["engine"]


def rapidocr_page(image: Path) -> tuple[PageWords, str]:
    """Words from PP-OCRv6 through rapidocr directly (the second engine the OCR work is
    bringing into idp.reading), for comparison; cached like ``ocr_page``."""
    cache = OUT / "learn-ocr" / f"{image.parent.parent.name}-{image.stem}.rapidocr.json"
    if cache.exists():
        raw = json.loads(cache.read_text())
    else:
        from PIL import Image
        from rapidocr import RapidOCR

        engine = RapidOCR(params={"Global.log_level": "error"})
        out = engine(str(image), return_word_box=True)
        words = []
        for line in out.word_results or ():
            for text, _score, quad in line:
                xs, ys = [p[0] for p in quad], [p[1] for p in quad]
                words.append([text, [min(xs), min(ys), max(xs), max(ys)]])
        with Image.open(image) as im:
            w, h = im.size
        raw = {"width": w, "height": h, "engine": "rapidocr 3.10 PP-OCRv6 (direct)", "words": words}
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(raw))
    words = [LayoutWord(t, tuple(b)) for t, b in raw["words"]]  # type: ignore[arg-type]
    return PageWords(reading_order(words), raw["width"], raw["height"]), raw["engine"]


def score_receipts(model, examples, label: str) -> None:  # noqa: ANN001 - LayoutModel
    """Print per-field F1 (normalised, exact), calibration and seconds per page."""
    from idp.learn.compare import same_exact, same_value

    stats = {f: Counter() for f in RECEIPT_FIELDS}
    times = []
    for e in examples:
        started = time.perf_counter()
        found = model.predict_fields(e.page)
        times.append(time.perf_counter() - started)
        for name, kind in zip(RECEIPT_FIELDS, RECEIPT_KINDS, strict=True):
            given, got = e.values.get(name, ""), found.get(name)
            s = stats[name]
            s["gold"] += bool(given)
            if got is None:
                continue
            s["pred"] += 1
            right = bool(given) and same_value(kind, got.text, given)
            s["right"] += right
            s["exact"] += bool(given) and same_exact(got.text, given)
            if got.confidence >= model.meta.thresholds.get(name, 1.0):
                s["above"] += 1
                s["above_right"] += right
    print(f"\n== receipts, {label}: {len(examples)} test receipts")
    header = ("field", "F1 norm", "F1 exact", "threshold", "above", "right above")
    print("{:10} {:>8} {:>9} {:>9} {:>6} {:>11}".format(*header))
    f1s, exacts, above, above_right = [], [], 0, 0
    for name in RECEIPT_FIELDS:
        s = stats[name]
        denom = s["gold"] + s["pred"]
        f1 = 2 * s["right"] / denom if denom else 0.0
        f1e = 2 * s["exact"] / denom if denom else 0.0
        f1s.append(f1)
        exacts.append(f1e)
        above += s["above"]
        above_right += s["above_right"]
        share = s["above_right"] / s["above"] if s["above"] else float("nan")
        print(
            f"{name:10} {f1:8.3f} {f1e:9.3f} {model.meta.thresholds.get(name, 1.0):9.3f} "
            f"{s['above']:6d} {share:11.3f}"
        )
    print(f"{'mean':10} {statistics.mean(f1s):8.3f} {statistics.mean(exacts):9.3f}")
    share = above_right / above if above else float("nan")
    print(
        f"at/above threshold: {above_right}/{above} right ({share:.3f}); "
        f"{above}/{4 * len(examples)} fields auto-accepted"
    )
    print(
        f"inference s/page: median {statistics.median(times):.3f}, "
        f"mean {statistics.mean(times):.3f}, max {max(times):.3f}"
    )


def receipts(args: argparse.Namespace) -> None:
    import torch

    from idp.learn.artefact import model_from_bytes, model_to_bytes
    from idp.learn.train import TrainConfig, train_fields

    torch.set_num_threads(args.threads)
    train_ids, test_ids = sroie_split(args.train)
    print(f"sroie-dev: {len(train_ids)} train (80/20 fit/calibration), {len(test_ids)} test")
    if args.load:
        model = model_from_bytes(Path(args.load).read_bytes())
    else:
        config = TrainConfig(
            epochs=args.epochs,
            threads=args.threads,
            encoder_lr=args.encoder_lr,
            head_lr=args.head_lr,
            frozen_layers=args.frozen,
            jitter=args.jitter,
        )
        examples = sroie_examples(train_ids)
        load_before = f"{os.getloadavg()[0]:.2f}"
        started, cpu = time.perf_counter(), time.process_time()
        last = [0.0]

        def progress(done: int, total: int) -> None:
            if time.perf_counter() - last[0] > 30 or done == total:
                last[0] = time.perf_counter()
                print(f"  training {done}/{total} pages, {last[0] - started:.0f} s", flush=True)

        model = train_fields(
            examples, RECEIPT_FIELDS, RECEIPT_KINDS, "receipt", "1", config, progress
        )
        print(
            f"training: {time.perf_counter() - started:.0f} s wall, "
            f"{time.process_time() - cpu:.0f} s CPU (threads {args.threads}, "
            f"epochs {args.epochs}); load average before {load_before}, "
            f"after {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
        )
        print("validation:", json.dumps(model.meta.metrics["fields"]))
        data = model_to_bytes(model)
        print(f"artefact {model.meta.version}: {len(data) / 1e6:.1f} MB")
        if args.save:
            Path(args.save).parent.mkdir(parents=True, exist_ok=True)
            Path(args.save).write_bytes(data)
    score_receipts(model, sroie_examples(test_ids), "dataset line boxes split into words")
    if args.ocr:
        pages, engine = {}, ""
        started = time.perf_counter()
        read = rapidocr_page if args.engine == "rapidocr" else ocr_page
        for r in test_ids:
            pages[r], engine = read(DATA_DIR / "sroie-dev" / "img" / f"{r}.jpg")
        print(
            f"\nOCR: {engine}; {time.perf_counter() - started:.0f} s for {len(test_ids)} pages "
            "(0 if cached)"
        )
        score_receipts(model, sroie_examples(test_ids, pages), "end to end with idp OCR words")


def funsd_split(n_test: int = 30, seed: int = 7) -> tuple[list[str], list[str]]:
    """A fixed seeded (train, held-out) split of funsd-train's forms."""
    import random

    ids = funsd_ids()
    random.Random(seed).shuffle(ids)
    return sorted(ids[n_test:]), sorted(ids[:n_test])


def score_pairs(predicted: dict[str, Counter], gold: dict[str, Counter], label: str) -> float:
    """Print and return question→answer pair precision, recall and F1."""
    tp = sum(sum((gold[k] & predicted[k]).values()) for k in gold)
    n_gold = sum(sum(c.values()) for c in gold.values())
    n_pred = sum(sum(c.values()) for c in predicted.values())
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    print(
        f"{label:44} gold {n_gold:4d} found {n_pred:4d} right {tp:4d}  "
        f"P {p:.3f} R {r:.3f} F1 {f1:.3f}"
    )
    return f1


def funsd(args: argparse.Namespace) -> None:
    import torch
    from funsd_keyvalues import gold_pairs, load_page, normalise

    from idp.learn.artefact import model_from_bytes, model_to_bytes
    from idp.learn.train import TrainConfig, train_pairs

    torch.set_num_threads(args.threads)
    data = DATA_DIR / "funsd-train"
    train_ids, test_ids = funsd_split()
    print(f"funsd-train: {len(train_ids)} forms to train, {len(test_ids)} held out")
    if args.load:
        model = model_from_bytes(Path(args.load).read_bytes())
    else:
        started, cpu = time.perf_counter(), time.process_time()
        last = [0.0]

        def progress(done: int, total: int) -> None:
            if time.perf_counter() - last[0] > 60 or done == total:
                last[0] = time.perf_counter()
                print(f"  training {done}/{total} pages, {last[0] - started:.0f} s", flush=True)

        config = TrainConfig(
            epochs=args.epochs,
            threads=args.threads,
            validation_share=0.0,
            encoder_lr=args.encoder_lr,
            head_lr=args.head_lr,
            frozen_layers=args.frozen,
            jitter=args.jitter,
        )
        start = model_from_bytes(Path(args.resume).read_bytes()).tagger if args.resume else None
        model = train_pairs([funsd_example(f) for f in train_ids], config, progress, start)
        print(
            f"training: {time.perf_counter() - started:.0f} s wall, "
            f"{time.process_time() - cpu:.0f} s CPU (threads {args.threads}, epochs {args.epochs})"
        )
        if args.save:
            Path(args.save).parent.mkdir(parents=True, exist_ok=True)
            Path(args.save).write_bytes(model_to_bytes(model))
    gold: dict[str, Counter] = {}
    learned: dict[str, Counter] = {}
    geometric: dict[str, Counter] = {}
    times = []
    from idp.layout import analyse_page

    for form_id in test_ids:
        form, page, image = load_page(data / "annotations" / f"{form_id}.json", data / "images")
        gold[form_id] = gold_pairs(form)
        analyse_page(page, image)
        geometric[form_id] = Counter(
            (normalise(kv.key), normalise(kv.value)) for kv in page.key_values
        )
        example = funsd_example(form_id)
        started = time.perf_counter()
        found = model.predict_pairs(example.page)
        times.append(time.perf_counter() - started)
        learned[form_id] = Counter((normalise(p.question), normalise(p.answer)) for p in found)
    print(f"\n== FUNSD question→answer pairs, {len(test_ids)} held-out forms")
    score_pairs(geometric, gold, "geometric pairing (idp.layout), gold words")
    score_pairs(learned, gold, "learned model, gold words")
    print(
        f"learned model inference s/page: median {statistics.median(times):.3f}, "
        f"max {max(times):.3f}"
    )
    if args.ocr:
        ocr: dict[str, Counter] = {}
        engine = ""
        read = rapidocr_page if args.engine == "rapidocr" else ocr_page
        for form_id in test_ids:
            page_words, engine = read(data / "images" / f"{form_id}.png")
            found = model.predict_pairs(page_words)
            ocr[form_id] = Counter((normalise(p.question), normalise(p.answer)) for p in found)
        print(f"OCR: {engine}")
        score_pairs(ocr, gold, "learned model, end to end with idp OCR")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("task", choices=["receipts", "funsd"])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--train", type=int, default=200, help="receipts: training receipts")
    parser.add_argument("--ocr", action="store_true", help="also measure with idp OCR words")
    parser.add_argument("--ocr-only", action="store_true", help="only fill the OCR cache")
    parser.add_argument(
        "--engine",
        choices=["idp", "rapidocr"],
        default="idp",
        help="OCR words from idp.reading (default) or from rapidocr directly, for comparison",
    )
    parser.add_argument("--save", help="write the trained artefact here")
    parser.add_argument("--load", help="score a saved artefact instead of training")
    parser.add_argument("--resume", help="funsd: continue training a saved artefact")
    parser.add_argument("--encoder-lr", type=float, default=1e-4)
    parser.add_argument("--head-lr", type=float, default=1e-3)
    parser.add_argument("--frozen", type=int, default=2, help="lowest encoder layers frozen")
    parser.add_argument("--jitter", type=float, default=0.0, help="box stretch/shift per step")
    args = parser.parse_args()
    if args.ocr_only:
        if args.task == "receipts":
            images = [
                DATA_DIR / "sroie-dev" / "img" / f"{r}.jpg" for r in sroie_split(args.train)[1]
            ]
        else:
            images = [DATA_DIR / "funsd-train" / "images" / f"{f}.png" for f in funsd_split()[1]]
        read = rapidocr_page if args.engine == "rapidocr" else ocr_page
        for image in images:
            print(image.stem, read(image)[1], flush=True)
        return
    if args.task == "receipts":
        receipts(args)
    else:
        funsd(args)


if __name__ == "__main__":
    main()
