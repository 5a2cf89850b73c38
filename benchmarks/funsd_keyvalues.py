"""Key–value pairs on real scanned forms: FUNSD's question → answer links.

Feeds FUNSD's gold words (text and boxes, so OCR errors do not count) and the page image
to ``idp.layout.analyse_page`` and compares the pairs found with the linked
(question, answer) pairs, after Unicode NFKC, case-folding, collapsing white space and
stripping surrounding punctuation. Prints precision, recall and F1, and ms per page.

    .venv/bin/python benchmarks/funsd_keyvalues.py [--data DIR] [--limit N] [--model]

FUNSD is for non-commercial research and evaluation only; it is read from the shared data
folder and never copied into the project.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
import unicodedata
from collections import Counter
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "funsd-train"


def normalise(text: str) -> str:
    """NFKC, case-folded, white space collapsed, surrounding punctuation stripped."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"\s+", " ", text).strip()
    return text.strip(" :;,.-_*#()[]\"'").strip()


def gold_pairs(form: list[dict]) -> Counter[tuple[str, str]]:
    """(question, answer) pairs from the links whose source is a question and target an answer."""
    by_id = {e["id"]: e for e in form}
    pairs: Counter[tuple[str, str]] = Counter()
    seen = set()
    for e in form:
        for a, b in e.get("linking", []):
            if (a, b) in seen or a not in by_id or b not in by_id:
                continue
            seen.add((a, b))
            q, ans = by_id[a], by_id[b]
            if q["label"] == "question" and ans["label"] == "answer":
                key, value = normalise(q["text"]), normalise(ans["text"])
                if key and value:
                    pairs[(key, value)] += 1
    return pairs


def load_page(annotation: Path, image_dir: Path):  # noqa: ANN201 - (Page, ndarray)
    """The FUNSD form as a scanned ``Page`` with its gold words, and its grayscale image."""
    import cv2

    from idp.datamodel import Page, PageSource, Word

    form = json.loads(annotation.read_text())["form"]
    image = cv2.imread(str(image_dir / (annotation.stem + ".png")), cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise FileNotFoundError(f"no image for {annotation.stem}")
    words = [
        Word(text=w["text"], bbox=tuple(float(v) for v in w["box"]), confidence=1.0)
        for e in form
        for w in e["words"]
        if w["text"].strip()
    ]
    h, w = image.shape
    page = Page(
        number=1,
        width=float(w),
        height=float(h),
        source=PageSource.OCR,
        dpi=w / 8.5,  # FUNSD pages are US letter scans at ~90-100 dpi
        words=words,
    )
    return form, page, image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=0, help="only the first N forms")
    parser.add_argument("--model", action="store_true", help="also run the region model")
    parser.add_argument("--show", type=int, default=0, help="print misses for N forms")
    args = parser.parse_args()

    from idp.layout import analyse_page

    annotations = sorted((args.data / "annotations").glob("*.json"))
    if args.limit:
        annotations = annotations[: args.limit]
    tp = n_gold = n_pred = 0
    by_relation: Counter[str] = Counter()
    right_by_relation: Counter[str] = Counter()
    times = []
    for k, path in enumerate(annotations):
        form, page, image = load_page(path, args.data / "images")
        gold = gold_pairs(form)
        started = time.process_time()
        analyse_page(page, image, use_model=args.model)
        times.append(time.process_time() - started)
        found: Counter[tuple[str, str]] = Counter()
        for kv in page.key_values:
            pair = (normalise(kv.key), normalise(kv.value))
            found[pair] += 1
            by_relation[kv.relation] += 1
            right_by_relation[kv.relation] += pair in gold
        hits = sum((gold & found).values())
        tp += hits
        n_gold += sum(gold.values())
        n_pred += sum(found.values())
        if k < args.show:
            print(f"== {path.stem}: {hits}/{sum(gold.values())} gold, {sum(found.values())} found")
            print("   missed:", sorted((gold - found).elements())[:8])
            print("   wrong: ", sorted((found - gold).elements())[:8])
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"FUNSD forms: {len(annotations)}  gold pairs: {n_gold}  found: {n_pred}  right: {tp}")
    print(f"precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}")
    print("by relation (right/found):",
          {r: f"{right_by_relation[r]}/{n}" for r, n in by_relation.most_common()})
    print(f"analyse_page cpu ms/page: median {1000 * statistics.median(times):.1f}, "
          f"mean {1000 * statistics.mean(times):.1f}")


if __name__ == "__main__":
    main()
