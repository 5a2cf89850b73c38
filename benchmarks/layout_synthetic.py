"""The layout stage on the synthetic application forms (tests/synthetic), through the real
ingest and reading stages: key–value recall and precision, checkbox states, signature
marks, and analyse_page time per page.

    .venv/bin/python benchmarks/layout_synthetic.py [--forms N] [--phrasings hint|test]
        [--scans] [--seed S]

Text-layer PDFs by default; ``--scans`` prints each form, spoils it (skew ±3°, blur, noise,
JPEG, quarter turns) and reads it with Tesseract (about 2 s a page). A pair counts when key
and value match after Unicode NFKC, case-folding and collapsing white space.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


def normalise(text: str) -> str:
    """NFKC, case-folded, white space collapsed."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).casefold()).strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--forms", type=int, default=28)
    parser.add_argument("--phrasings", choices=["hint", "test"], default="hint")
    parser.add_argument("--scans", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    import cv2

    from idp.datamodel import ProcessingOptions, ProcessingResult, Source
    from idp.ingest import open_document
    from idp.layout import analyse_page
    from idp.reading import read_pages
    from idp.settings import Settings
    from tests.synthetic.arrangements import plan_form
    from tests.synthetic.render import ScanParams, render_pdf, render_scan, save_images
    from tests.synthetic.spec import ALL_LAYOUTS, generate_forms

    cv2.setNumThreads(1)  # one core per page, as the pipeline runs it
    rng = random.Random(args.seed)
    forms = generate_forms(args.forms, seed=args.seed, layouts=ALL_LAYOUTS,
                           phrasings=args.phrasings)
    kv_want = kv_hit = kv_found = kv_right = 0
    cb_total = cb_right = sig_total = sig_right = 0
    per_layout: dict[str, list[int]] = {}
    times: list[float] = []
    settings = Settings()
    for form in forms:
        plan = plan_form(form)
        pdf = render_pdf(plan)
        name, data = "form.pdf", pdf
        if args.scans:
            params = ScanParams(
                dpi=rng.choice([200, 300]), skew=rng.uniform(-3, 3), noise=rng.uniform(0, 12),
                blur=rng.uniform(0, 1.0), jpeg_quality=rng.choice([None, 60, 80]),
                rotate=rng.choice([0, 90, 180, 270]), seed=rng.randint(0, 999),
            )
            images = render_scan(pdf, params)
            name, data = "scan.tiff", save_images(images, "tiff", params.dpi)
        doc = open_document(data, name, settings.limits)
        try:
            result = ProcessingResult(id="b", source=Source(filename=name))
            pages, page_images = read_pages(doc, ProcessingOptions(), settings, result)
        finally:
            doc.close()
        for page, truth in zip(pages, plan.pages, strict=False):
            image = page_images.get(page.number)
            best = float("inf")
            for _ in range(3):  # best of three: the machine is shared
                trial = page.model_copy(deep=True)
                started = time.process_time()
                analyse_page(trial, image)
                best = min(best, time.process_time() - started)
            page = trial
            times.append(best)
            found = {(normalise(kv.key), normalise(kv.value)) for kv in page.key_values}
            want = {(normalise(kv["key"]), normalise(kv["value"])) for kv in truth.key_values}
            kv_want += len(want)
            kv_hit += len(want & found)
            kv_found += len(found)
            kv_right += len(found & want)
            counts = per_layout.setdefault(form.layout, [0, 0])
            counts[0] += len(want & found)
            counts[1] += len(want)
            for cb in truth.checkboxes:
                cb_total += 1
                x0, y0, x1, y1 = cb["bbox"]
                cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
                near = [
                    c for c in page.checkboxes
                    if abs((c.bbox[0] + c.bbox[2]) / 2 / page.width - cx) < 0.012
                    and abs((c.bbox[1] + c.bbox[3]) / 2 / page.height - cy) < 0.012
                ]
                cb_right += bool(near) and near[0].checked == cb["checked"]
            for sig in truth.signatures:
                sig_total += 1
                label = normalise(sig["label"])
                marks = [m for m in page.signatures if normalise(m.label) == label]
                sig_right += bool(marks) and marks[0].signed == sig["signed"]
    kind = "scans" if args.scans else "text-layer PDFs"
    print(f"{len(forms)} forms ({kind}, {args.phrasings} phrasings), {len(times)} pages")
    print(f"key-value recall {kv_hit}/{kv_want} = {kv_hit / max(kv_want, 1):.3f}, "
          f"precision {kv_right}/{kv_found} = {kv_right / max(kv_found, 1):.3f}")
    print("recall by layout:", {k: f"{h}/{n}" for k, (h, n) in per_layout.items()})
    print(f"checkbox states right {cb_right}/{cb_total}; signatures right {sig_right}/{sig_total}")
    print(f"analyse_page cpu ms/page (best of 3): median {1000 * statistics.median(times):.1f}, "
          f"max {1000 * max(times):.1f}")


if __name__ == "__main__":
    main()
