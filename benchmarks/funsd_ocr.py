"""OCR word recall on real scanned forms (FUNSD), idp's reading stage vs bare Tesseract.

Reads FUNSD images from ../shared/data/funsd-train (never copied into the project) and
prints, for idp's reading stage and for Tesseract run on the unprocessed image, the share
of gold words found (box IoU >= 0.5 and equal text after case-folding and stripping
surrounding punctuation), plus seconds per page (wall, and CPU of this process and its
Tesseract children). Both readers use the same Tesseract languages: ``--languages``,
by default idp's configured ones (``IDP_OCR__LANGUAGES``).

    .venv/bin/python benchmarks/funsd_ocr.py [--limit N] [--data DIR] [--languages L]
        [--readers idp,tesseract] [--turns 0,90,180,270]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import unicodedata
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

from benchmarks.shared_data import shared_data  # noqa: E402

DEFAULT_DATA = shared_data() / "funsd-train"


def norm(text: str) -> str:
    """Comparable form of a word: NFKC, case-folded, surrounding punctuation stripped."""
    return unicodedata.normalize("NFKC", text).casefold().strip(" .,:;()[]\"'!?_-")


def iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Intersection over union of two boxes."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def recall(
    gold: list[tuple[str, tuple[float, ...]]], found: list[tuple[str, tuple[float, ...]]]
) -> tuple[int, int]:
    """(matched, total) gold words: each found word matches at most one gold word."""
    used: set[int] = set()
    hit = 0
    for text, box in gold:
        for i, (ftext, fbox) in enumerate(found):
            if i not in used and ftext == text and iou(box, fbox) >= 0.5:
                used.add(i)
                hit += 1
                break
    return hit, len(gold)


def gold_words(annotation: Path) -> list[tuple[str, tuple[float, ...]]]:
    """Non-empty gold words of one FUNSD form."""
    form = json.loads(annotation.read_text())["form"]
    words = [(norm(w["text"]), tuple(w["box"])) for e in form for w in e["words"]]
    return [(t, b) for t, b in words if t]


def read_with_idp(
    path: Path, languages: str, turn: int = 0
) -> list[tuple[str, tuple[float, ...]]]:
    """Words from idp's ingest + reading stages, boxes mapped back to the original pixels.

    With ``turn`` the scan is first turned that many degrees clockwise; idp must turn it
    back, and its words are then compared in the upright scan's pixels as they are.
    idp reports boxes on the deskewed page; each box is moved back by the skew it
    corrected (its centre turned about the page centre, its size kept), as the gold
    boxes are on the scan as it came.
    """
    import cv2

    from idp.datamodel import ProcessingOptions, ProcessingResult, Source
    from idp.engines.image_prep import MIN_SKEW, rotate_quarter
    from idp.ingest import open_document
    from idp.reading import read_pages
    from idp.settings import get_settings

    settings = get_settings()
    data = path.read_bytes()
    if turn:
        scan = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        data = cv2.imencode(".png", rotate_quarter(scan, turn))[1].tobytes()
    doc = open_document(data, path.name, settings.limits)
    result = ProcessingResult(id=str(uuid.uuid4()), source=Source(filename=path.name))
    pages, _ = read_pages(doc, ProcessingOptions(languages=languages), settings, result)
    page = pages[0]
    from PIL import Image

    with Image.open(path) as im:
        w, h = im.size
    sx, sy = w / page.width, h / page.height
    matrix = None
    if abs(page.skew) >= MIN_SKEW:
        matrix = cv2.getRotationMatrix2D((page.width / 2.0, page.height / 2.0), page.skew, 1.0)
    out: list[tuple[str, tuple[float, ...]]] = []
    for wd in page.words:
        if not norm(wd.text):
            continue
        x0, y0, x1, y1 = wd.bbox
        if matrix is not None:
            cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
            nx = matrix[0, 0] * cx + matrix[0, 1] * cy + matrix[0, 2]
            ny = matrix[1, 0] * cx + matrix[1, 1] * cy + matrix[1, 2]
            x0, x1, y0, y1 = x0 + nx - cx, x1 + nx - cx, y0 + ny - cy, y1 + ny - cy
        out.append((norm(wd.text), (x0 * sx, y0 * sy, x1 * sx, y1 * sy)))
    return out


def read_with_tesseract(path: Path, languages: str) -> list[tuple[str, tuple[float, ...]]]:
    """Words from Tesseract on the unprocessed image, as the bare command would give."""
    import pytesseract

    data = pytesseract.image_to_data(str(path), lang=languages, output_type=pytesseract.Output.DICT)
    out: list[tuple[str, tuple[float, ...]]] = []
    for text, x, y, w, h in zip(
        data["text"], data["left"], data["top"], data["width"], data["height"], strict=True
    ):
        if norm(text):
            out.append((norm(text), (float(x), float(y), float(x + w), float(y + h))))
    return out


def _cpu() -> float:
    """CPU seconds of this process and its finished children (Tesseract runs)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=20, help="forms to read (default 20)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--languages", default=None,
                        help="Tesseract languages for both readers (default: idp's setting)")
    parser.add_argument("--readers", default="idp,tesseract", help="idp, tesseract or both")
    parser.add_argument("--turns", default="0",
                        help="comma-separated clockwise turns of the scans idp is given "
                             "(e.g. 0,90,180,270); one idp line each")
    args = parser.parse_args()
    from idp.settings import get_settings

    languages = args.languages or get_settings().ocr.languages
    annotations = sorted((args.data / "annotations").glob("*.json"))[: args.limit]
    readers: dict[str, Callable[[Path], list[tuple[str, tuple[float, ...]]]]] = {}
    for name in args.readers.split(","):
        if name == "idp":
            for turn in (int(t) for t in args.turns.split(",")):
                label = "idp" if turn == 0 else f"idp {turn}°"
                readers[label] = partial(read_with_idp, languages=languages, turn=turn)
        else:
            readers[name] = partial(read_with_tesseract, languages=languages)
    totals: dict[str, list[float]] = {name: [0, 0, 0.0, 0.0] for name in readers}
    for ann in annotations:
        image = args.data / "images" / (ann.stem + ".png")
        gold = gold_words(ann)
        for name, reader in readers.items():
            started, cpu = time.perf_counter(), _cpu()
            hit, total = recall(gold, reader(image))
            totals[name][0] += hit
            totals[name][1] += total
            totals[name][2] += time.perf_counter() - started
            totals[name][3] += _cpu() - cpu
    n = len(annotations)
    print(f"FUNSD forms read: {n}, Tesseract -l {languages}")
    for name, (found, gold_n, secs, cpu_s) in totals.items():
        print(
            f"{name:10s} word recall {found / max(gold_n, 1):.3f} ({found:.0f}/{gold_n:.0f}) "
            f"{secs / n:.2f} s/page, {cpu_s / n:.2f} CPU s/page", flush=True
        )


if __name__ == "__main__":
    main()
