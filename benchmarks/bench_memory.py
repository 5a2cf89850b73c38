"""Peak memory of one long scanned document processed end to end (issue 9: ≤ 600 MB).

Generates a 300 dpi image-only PDF (JPEG pages, what scanners write) of ``--pages`` pages
from the synthetic generator (``tests/synthetic``: a few spoilt form scans repeated), then
processes it in a fresh child process with ``process_document`` and a page sink that
encodes each page image as PNG like the service does, and prints the child's peak RSS
(``ru_maxrss``), the RSS before processing, seconds and pages read. Tesseract runs in its
own short-lived processes (one per page, about 100 MB each) and is not counted.

Usage::

    python -m benchmarks.bench_memory                 # 200 pages, no schema
    python -m benchmarks.bench_memory --pages 50 --schema application
    python -m benchmarks.bench_memory --code /path/to/other/checkout   # compare a version

It takes a few minutes (every page is OCR'd).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET_MB = 600.0
DISTINCT_PAGES = 6
"""Different page images generated; the document repeats them (memory does not care)."""

CHILD = r"""
import json, resource, sys, time
path, schema = sys.argv[1], sys.argv[2] or None

def rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0

import cv2
from idp.datamodel import ProcessingOptions
from idp.pipeline import process_document
from idp.settings import Settings

stored = 0
def sink(page, image):
    global stored
    if image is not None:
        ok, png = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 3])
        stored += len(png)

data = open(path, "rb").read()
settings = Settings()
options = ProcessingOptions(schema_name=schema)
before = rss_mb()
started = time.perf_counter()
kwargs = {"page_sink": sink}
try:
    result = process_document(data, path, options, settings, **kwargs)
except TypeError:  # a version without page sinks: it holds every image itself
    result = process_document(data, path, options, settings)
seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({
    "peak_mb": usage.ru_maxrss / 1024, "before_mb": before,
    "seconds": seconds,
    "pages": len(result.pages), "status": str(result.status),
    "words": sum(len(p.words) for p in result.pages), "errors": result.error_messages()[:3],
    "stored_png_mb": stored / 1e6,
}))
"""


def make_scan(path: Path, pages: int, dpi: int, seed: int) -> int:
    """Write a ``pages``-page image-only PDF at ``dpi``; returns its size in bytes."""
    import random

    from tests.synthetic import ALL_LAYOUTS, ScanParams, generate_forms, render_scan, save_images

    rng = random.Random(seed)
    distinct = []
    for form in generate_forms(DISTINCT_PAGES, seed=seed, layouts=ALL_LAYOUTS):
        params = ScanParams(dpi=dpi, skew=round(rng.uniform(-2, 2), 2), noise=2.0, blur=0.5,
                            jpeg_quality=75, seed=rng.randint(0, 2**31))
        distinct.append(render_scan(form, params, page=1)[0].convert("L"))
    images = [distinct[i % len(distinct)] for i in range(pages)]
    # ~240 KB a page, so 200 pages stay within the default 50 MB upload limit
    path.write_bytes(save_images(images, "pdf", dpi, jpeg_quality=40))
    return path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    """Generate the scan, process it in a child process, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--dpi", type=int, default=300)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--schema", default="", help="schema to extract (default: none)")
    parser.add_argument("--code", type=Path, default=ROOT,
                        help="checkout whose idp is measured (default: this one)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="idp-bench-memory-") as tmp:
        path = Path(tmp) / f"scan-{args.pages}p.pdf"
        size = make_scan(path, args.pages, args.dpi, args.seed)
        print(f"{args.pages}-page {args.dpi} dpi image-only PDF: {size / 1e6:.1f} MB",
              file=sys.stderr)
        env = {**os.environ, "PYTHONPATH": str(args.code.resolve()), "OMP_THREAD_LIMIT": "1"}
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(path), args.schema],
            env=env, capture_output=True, text=True, check=False, cwd=str(args.code),
        )
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
        return 1
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"pages processed:            {figures['pages']} ({figures['status']}, "
          f"{figures['words']} words)")
    print(f"seconds:                    {figures['seconds']:.1f} "
          f"({figures['seconds'] / max(figures['pages'], 1):.2f} per page)")
    print(f"RSS before processing:      {figures['before_mb']:.0f} MB")
    print(f"peak RSS (process):         {figures['peak_mb']:.0f} MB  (target ≤ {TARGET_MB:.0f})")
    if figures["errors"]:
        print(f"errors: {figures['errors']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
