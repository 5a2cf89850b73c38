"""OCR word recall and orientation on real scanned shop receipts (SROIE), idp's reading
stage against the bare engines.

Reads ../shared/data/sroie-dev (never copied into the project). Every receipt there is
upright, so any page idp turns is a wrong turn; the script counts them.

Word recall: the words of the ground-truth line transcripts (``box/<n>.csv``, split on
white space) found among the OCR words, as multisets (a word printed twice must be read
twice), compared after Unicode NFKC and case-folding with surrounding punctuation
stripped; words that are only punctuation are left out (``tests.data.receipts``).
Boxes are not compared: the transcripts are per line.

    .venv/bin/python -m benchmarks.sroie_ocr [--limit N] [--readers idp,tesseract,rapidocr]
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

from benchmarks.shared_data import shared_data  # noqa: E402
from tests.data.receipts import gold_words, word_recall  # noqa: E402

DEFAULT_DATA = shared_data() / "sroie-dev"


def read_with_idp(path: Path) -> tuple[list[str], int, str]:
    """Words, rotation and how it was decided, from idp's ingest + reading stages."""
    from idp.datamodel import ProcessingOptions, ProcessingResult, Source
    from idp.ingest import open_document
    from idp.reading import read_pages
    from idp.settings import get_settings

    settings = get_settings()
    doc = open_document(path.read_bytes(), path.name, settings.limits)
    result = ProcessingResult(id=str(uuid.uuid4()), source=Source(filename=path.name))
    try:
        pages, _ = read_pages(doc, ProcessingOptions(languages=settings.ocr.languages),
                              settings, result)
    finally:
        doc.close()
    page = pages[0]
    return [w.text for w in page.words], page.rotation, page.rotation_method or ""


def read_with_tesseract(path: Path) -> tuple[list[str], int, str]:
    """Words from bare ``tesseract`` (eng) on the unprocessed file."""
    import pytesseract

    text = pytesseract.image_to_string(str(path), lang="eng")
    return text.split(), 0, ""


def read_with_rapidocr(path: Path) -> tuple[list[str], int, str]:
    """Words from bare rapidocr (PP-OCRv6, its defaults, one thread) on the file."""
    from benchmarks.bench_ocr import bare_rapidocr

    output = bare_rapidocr()(str(path))
    return list(output.txts or ()), 0, ""


READERS: dict[str, Callable[[Path], tuple[list[str], int, str]]] = {
    "idp": read_with_idp,
    "tesseract": read_with_tesseract,
    "rapidocr": read_with_rapidocr,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=40, help="receipts to read (default 40)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--readers", default="idp", help="comma-separated: " + ",".join(READERS))
    parser.add_argument("--worst", type=int, default=0, help="list the N worst receipts")
    args = parser.parse_args()
    images = sorted((args.data / "img").glob("*.jpg"))[: args.limit]
    for name in args.readers.split(","):
        reader = READERS[name]
        hit = total = turned = 0
        methods: collections.Counter[str] = collections.Counter()
        per_page: list[tuple[float, str]] = []
        started = time.perf_counter()
        for image in images:
            gold = gold_words(args.data / "box" / (image.stem + ".csv"))
            words, rotation, method = reader(image)
            h, t = word_recall(gold, words)
            hit, total = hit + h, total + t
            turned += rotation != 0
            methods[method] += 1
            per_page.append((h / max(t, 1), image.stem))
        secs = (time.perf_counter() - started) / max(len(images), 1)
        line = (f"{name:10s} receipts {len(images)}  word recall {hit / max(total, 1):.3f} "
                f"({hit}/{total})  {secs:.2f} s/page")
        if name == "idp":
            line += f"  upright pages turned: {turned}  orientation: {dict(methods)}"
        print(line, flush=True)
        for score, stem in sorted(per_page)[: args.worst]:
            print(f"    {stem}: {score:.2f}")


if __name__ == "__main__":
    main()
