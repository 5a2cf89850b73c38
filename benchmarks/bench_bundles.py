"""Splitting uploads of several documents (issue 12): page boundaries and document types.

Each bundle goes through the pipeline's page stages and its split stage (``idp.split``,
the same ``find_parts`` the pipeline calls), and the found documents are compared with the
truth:

- **page-boundary accuracy**: over every pair of neighbouring pages of a bundle, whether
  "a new document starts here" was decided right (page 1 always starts one and is not
  counted);
- **type accuracy**: over every page, whether the document it was put in has the type of
  the document it belongs to (a schema, or ``other``);
- **documents exactly right**: same first and last page and same type.

Generated bundles (``tests/synthetic/bundles.py``): 2–5 application forms, till receipts and
supporting letters in any order; the **test** split (default) draws forms from held-out
layouts and phrasings with a seed space nothing was tuned on; **dev** is for tuning. Scans
(``--n-scan``) are spoilt image-only PDFs with some pages turned (slow: every page is OCR'd).
``--real N`` builds N bundles of real pages: SROIE receipts (``receipt``) and FUNSD forms
(``other``: no schema describes them), one page each, from the shared data.

Laid-out pages can be kept (``--cache DIR``) so that the split is measured again without
reading the pages again.

Usage::

    python -m benchmarks.bench_bundles                      # 60 held-out text bundles
    python -m benchmarks.bench_bundles --n-scan 20          # and 20 scanned bundles
    python -m benchmarks.bench_bundles --n-text 0 --real 20
    python -m benchmarks.bench_bundles --split dev --cache /tmp/bundles-dev
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.shared_data import shared_data  # noqa: E402  (after the path set-up)


def real_bundles(n: int, seed: int = 12) -> list[tuple[dict[str, Any], bytes]]:
    """``n`` bundles of 2–5 real pages: SROIE receipts and FUNSD forms as one image-only PDF."""
    from PIL import Image

    data = shared_data()
    receipts = sorted((data / "sroie-dev" / "img").glob("*.jpg"))
    forms = sorted((data / "funsd-train" / "images").glob("*.png"))
    rng = random.Random(seed)
    out = []
    for index in range(n):
        docs, images = [], []
        for _ in range(rng.randint(2, 5)):
            kind = rng.choice(["receipt", "form"])
            path = rng.choice(receipts if kind == "receipt" else forms)
            image = Image.open(path).convert("L")
            images.append(image)
            page = len(images)
            docs.append({"type": "receipt" if kind == "receipt" else "other", "kind": kind,
                         "file": path.name, "pages": [page, page]})
        buf = io.BytesIO()
        images[0].save(buf, "PDF", save_all=True, append_images=images[1:], resolution=150)
        out.append(({"bundle": f"real-{seed}-{index}", "scan": True, "documents": docs},
                    buf.getvalue()))
    return out


def generated_bundles(
    split: str, n: int, scan: bool, seed: int
) -> list[tuple[dict[str, Any], bytes]]:
    from tests.synthetic.bundles import generate_bundles, render_bundle

    return [(b.truth(), render_bundle(b)) for b in generate_bundles(n, seed, split, scan)]  # type: ignore[arg-type]


def laid_out_pages(truth: dict[str, Any], data: bytes, cache: Path | None) -> list[Any]:
    """The bundle's pages read and laid out by the pipeline (no schema, no split)."""
    from idp.datamodel import Page, ProcessingOptions
    from idp.pipeline import process_document

    path = cache / f"{truth['bundle']}.json" if cache else None
    if path is not None and path.exists():
        return [Page.model_validate(p) for p in json.loads(path.read_text())]
    result = process_document(data, f"{truth['bundle']}.pdf", ProcessingOptions(split=False))
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps([p.model_dump(mode="json") for p in result.pages]))
    return result.pages


def score(truth: dict[str, Any], parts: list[Any], pages: int) -> dict[str, Any]:
    """Boundary and type decisions of one bundle against its truth."""
    true_start = {d["pages"][0] for d in truth["documents"]}
    found_start = {p.first for p in parts}
    true_type = {n: d["type"] for d in truth["documents"]
                 for n in range(d["pages"][0], d["pages"][1] + 1)}
    found_type = {n: p.schema or "other" for p in parts for n in range(p.first, p.last + 1)}
    boundaries = [(n in true_start) == (n in found_start) for n in range(2, pages + 1)]
    types = [true_type[n] == found_type.get(n) for n in range(1, pages + 1)]
    true_docs = {(d["pages"][0], d["pages"][1], d["type"]) for d in truth["documents"]}
    found_docs = {(p.first, p.last, p.schema or "other") for p in parts}
    wrong_pages = [n for n in range(1, pages + 1)
                   if true_type[n] != found_type.get(n)
                   or (n in true_start) != (n in found_start)]
    return {"boundaries": boundaries, "types": types,
            "docs_right": len(true_docs & found_docs), "docs": len(true_docs),
            "wrong_pages": wrong_pages,
            "confusions": [(true_type[n], found_type.get(n)) for n in range(1, pages + 1)
                           if true_type[n] != found_type.get(n)]}


def run(bundles: list[tuple[dict[str, Any], bytes]], label: str, cache: Path | None,
        verbose: bool) -> dict[str, Any]:
    from idp.engines.embedder import get_embedder
    from idp.schemas import load_schemas
    from idp.split import find_parts

    schemas = load_schemas()
    boundaries: list[bool] = []
    types: list[bool] = []
    docs_right = docs = pages_total = 0
    confusions: Counter[tuple[str, str | None]] = Counter()
    review = 0
    started = time.perf_counter()
    split_seconds = 0.0
    for truth, data in bundles:
        from idp.datamodel import ProcessingOptions, ProcessingResult, Source

        pages = laid_out_pages(truth, data, cache)
        result = ProcessingResult(id=truth["bundle"], source=Source(filename="b.pdf"),
                                  options=ProcessingOptions(), pages=pages)
        t0 = time.perf_counter()
        parts = find_parts(result, schemas, embedder=get_embedder)
        split_seconds += time.perf_counter() - t0
        s = score(truth, parts, len(pages))
        boundaries += s["boundaries"]
        types += s["types"]
        docs_right += s["docs_right"]
        docs += s["docs"]
        pages_total += len(pages)
        confusions.update(s["confusions"])
        review += sum(1 for p in parts if min(p.split_confidence, p.type_confidence) < 0.6)
        if verbose and s["wrong_pages"]:
            found = [(p.first, p.last, p.schema or "other", p.type_confidence, p.split_confidence)
                     for p in parts]
            expected = [(d["pages"], d["type"]) for d in truth["documents"]]
            print(f"  {truth['bundle']}: truth {expected} found {found}", file=sys.stderr)
    row = {
        "set": label, "bundles": len(bundles), "pages": pages_total, "documents": docs,
        "boundary_accuracy": round(sum(boundaries) / max(len(boundaries), 1), 4),
        "boundaries": len(boundaries),
        "type_accuracy": round(sum(types) / max(len(types), 1), 4),
        "documents_exactly_right": round(docs_right / max(docs, 1), 4),
        "documents_sent_to_review": review,
        "type_confusions": {f"{a}->{b}": c for (a, b), c in confusions.most_common()},
        "split_seconds_per_page": round(split_seconds / max(pages_total, 1), 4),
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(row))
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=["dev", "test"], default="test")
    parser.add_argument("--n-text", type=int, default=60)
    parser.add_argument("--n-scan", type=int, default=0)
    parser.add_argument("--real", type=int, default=0, help="bundles of real SROIE/FUNSD pages")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, help="keep laid-out pages here and reuse them")
    parser.add_argument("--verbose", "-v", action="store_true", help="show each wrong bundle")
    args = parser.parse_args(argv)
    if args.n_text:
        run(generated_bundles(args.split, args.n_text, False, args.seed),
            f"{args.split} text", args.cache, args.verbose)
    if args.n_scan:
        run(generated_bundles(args.split, args.n_scan, True, args.seed + 1000),
            f"{args.split} scans", args.cache, args.verbose)
    if args.real:
        run(real_bundles(args.real), "real sroie+funsd", args.cache, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
