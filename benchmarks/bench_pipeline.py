"""Speed of the core pipeline against bare Tesseract, measured in one run on the same pages.

    .venv/bin/python benchmarks/bench_pipeline.py [--scans 6] [--text 40] [--dpi 300]

1. Scanned pages (generated application forms, spoilt: skew, noise, blur, JPEG; PNG files):
   seconds per page for the bare ``tesseract PAGE out -l LANGS`` command (LANGS: idp's
   configured OCR languages, ``IDP_OCR__LANGUAGES``, default Latin+eng) and for
   ``idp extract`` on the same files, both with ``OMP_THREAD_LIMIT=1``. ``idp extract``'s
   start-up (Python, imports, model loading) is taken out by timing a batch of N pages and a
   run on one page: per page = (T(N) − T(1)) / (N − 1). Target: ≤ 1.3× Tesseract.
2. Text-layer PDFs on one core (the process pinned with ``sched_setaffinity``): pages per
   second through ``process_document`` inside one process after a warm-up document, and the
   same through the ``idp extract`` CLI as (pages(N) − pages(1)) / (T(N) − T(1)).
   Target: ≥ 20 pages a second.

Figures are printed and written to ``benchmarks/out/bench_pipeline.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["OMP_THREAD_LIMIT"] = "1"

OUT = ROOT / "benchmarks" / "out" / "bench_pipeline.json"
SCAN_RATIO_TARGET = 1.3
TEXT_PAGES_PER_SECOND_TARGET = 20.0


def _idp() -> str:
    found = ROOT / ".venv" / "bin" / "idp"
    return str(found) if found.exists() else (shutil.which("idp") or "idp")


def _env() -> dict[str, str]:
    return {**os.environ, "OMP_THREAD_LIMIT": "1", "PYTHONPATH": str(ROOT)}


def _timed(cmd: list[str], cpu: int | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds user+system) of ``cmd``, pinned to ``cpu`` when given.

    CPU seconds are the steadier figure on a shared machine: other load stretches wall
    time but not the work done.
    """
    def pin() -> None:
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(cmd, env=_env(), capture_output=True, preexec_fn=pin, check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({done.returncode}): {done.stderr[-500:]!r}")
    cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu_s


def make_scans(directory: Path, n: int, dpi: int, seed: int) -> list[Path]:
    """``n`` spoilt upright single-page scans (PNG) of generated forms."""
    import random

    from tests.synthetic import ALL_LAYOUTS, ScanParams, generate_forms, render_scan

    rng = random.Random(seed)
    paths = []
    for form in generate_forms(n, seed=seed, layouts=ALL_LAYOUTS):
        params = ScanParams(dpi=dpi, skew=round(rng.uniform(-3, 3), 2), noise=8.0, blur=0.5,
                            jpeg_quality=75, seed=rng.randint(0, 2**31))
        image = render_scan(form, params, page=1)[0]
        path = directory / f"{form.form_id}-{form.layout}.png"
        image.save(path, dpi=(dpi, dpi))
        paths.append(path)
    return paths


def make_text_pdfs(directory: Path, n: int, seed: int) -> list[Path]:
    """``n`` text-layer PDFs of generated forms (one or two pages each)."""
    from tests.synthetic import generate_forms, render_pdf

    paths = []
    for form in generate_forms(n, seed=seed):
        path = directory / f"{form.form_id}-{form.layout}.pdf"
        path.write_bytes(render_pdf(form))
        paths.append(path)
    return paths


def bench_scans(paths: list[Path], languages: str) -> dict[str, Any]:
    """Bare tesseract (same ``languages`` as idp's OCR) vs idp extract on the same files."""
    n = len(paths)
    tess_wall = tess_cpu = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for p in paths:
            wall, cpu_s = _timed(["tesseract", str(p), str(Path(tmp) / "out"), "-l", languages])
            tess_wall += wall
            tess_cpu += cpu_s
    idp = _idp()
    single_wall, single_cpu = _timed([idp, "extract", "-q", str(paths[0])])
    batch_wall, batch_cpu = _timed([idp, "extract", "-q", *map(str, paths)])
    per_page = (batch_wall - single_wall) / (n - 1)
    per_page_cpu = (batch_cpu - single_cpu) / (n - 1)
    return {
        "pages": n,
        "languages": languages,
        "tesseract_s_per_page": round(tess_wall / n, 3),
        "tesseract_cpu_s_per_page": round(tess_cpu / n, 3),
        "idp_extract_batch_s": round(batch_wall, 3),
        "idp_extract_single_s": round(single_wall, 3),
        "idp_extract_s_per_page": round(per_page, 3),
        "idp_extract_cpu_s_per_page": round(per_page_cpu, 3),
        "idp_extract_s_per_page_with_startup": round(batch_wall / n, 3),
        "ratio": round(per_page / (tess_wall / n), 3),
        "ratio_cpu": round(per_page_cpu / (tess_cpu / n), 3),
        "target_ratio": SCAN_RATIO_TARGET,
    }


def bench_text_in_process(paths: list[Path], cpu: int) -> dict[str, Any]:
    """Pages per second through ``process_document`` on one core, after a warm-up."""
    from idp.datamodel import ProcessingOptions
    from idp.pipeline import process_document

    previous = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})
    try:
        data = [(p.name, p.read_bytes()) for p in paths]
        process_document(data[0][1], data[0][0], ProcessingOptions())  # warm-up
        pages = 0
        started = time.perf_counter()
        cpu_started = time.process_time()
        for name, blob in data:
            result = process_document(blob, name, ProcessingOptions())
            if result.status == "failed":
                raise RuntimeError(f"{name}: {result.error_messages()}")
            pages += result.source.pages
        wall = time.perf_counter() - started
        cpu_s = time.process_time() - cpu_started
    finally:
        os.sched_setaffinity(0, previous)
    return {"pages": pages, "wall_s": round(wall, 3), "cpu_s": round(cpu_s, 3),
            "pages_per_s": round(pages / wall, 1), "pages_per_cpu_s": round(pages / cpu_s, 1)}


def bench_text_cli(paths: list[Path], cpu: int) -> dict[str, Any]:
    """Pages per second through ``idp extract`` on one core, start-up taken out."""
    import pypdfium2 as pdfium

    def count(p: Path) -> int:
        doc = pdfium.PdfDocument(str(p))
        try:
            return len(doc)
        finally:
            doc.close()

    idp = _idp()
    single, single_cpu = _timed([idp, "extract", "-q", str(paths[0])], cpu)
    batch, batch_cpu = _timed([idp, "extract", "-q", *map(str, paths)], cpu)
    pages = sum(count(p) for p in paths)
    extra = pages - count(paths[0])
    return {"pages": pages, "batch_s": round(batch, 3), "single_s": round(single, 3),
            "pages_per_s": round(extra / (batch - single), 1),
            "pages_per_cpu_s": round(extra / (batch_cpu - single_cpu), 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scans", type=int, default=6, help="scanned pages (≥ 2)")
    parser.add_argument("--text", type=int, default=40, help="text-layer PDFs (≥ 2)")
    parser.add_argument("--dpi", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cpu", type=int, default=None, help="core to pin text runs to")
    args = parser.parse_args()
    cpu = args.cpu if args.cpu is not None else max(os.sched_getaffinity(0))
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        scans = make_scans(Path(tmp), max(args.scans, 2), args.dpi, args.seed)
        texts = make_text_pdfs(Path(tmp), max(args.text, 2), args.seed)
        from idp.settings import get_settings

        results["scans"] = bench_scans(scans, get_settings().ocr.languages)
        results["text_in_process"] = bench_text_in_process(texts, cpu)
        results["text_cli"] = bench_text_cli(texts, cpu)
    s, t, c = results["scans"], results["text_in_process"], results["text_cli"]
    print(f"scanned pages ({s['pages']} at {args.dpi} dpi, -l {s['languages']}, "
          "OMP_THREAD_LIMIT=1):")
    print(f"  bare tesseract        {s['tesseract_s_per_page']:.2f} s/page wall, "
          f"{s['tesseract_cpu_s_per_page']:.2f} CPU s/page")
    print(f"  idp extract           {s['idp_extract_s_per_page']:.2f} s/page wall, "
          f"{s['idp_extract_cpu_s_per_page']:.2f} CPU s/page (start-up out; "
          f"{s['idp_extract_s_per_page_with_startup']:.2f} s wall with it)")
    for key, what in (("ratio", "wall"), ("ratio_cpu", "CPU")):
        verdict = "ok" if s[key] <= SCAN_RATIO_TARGET else "MISSED"
        print(f"  ratio ({what:4})          {s[key]:.2f}x "
              f"(target <= {SCAN_RATIO_TARGET}x: {verdict})")
    print(f"text-layer pages on one core (cpu {cpu}):")
    verdict = "ok" if t["pages_per_s"] >= TEXT_PAGES_PER_SECOND_TARGET else "MISSED"
    print(f"  in process            {t['pages_per_s']:.1f} pages/s over {t['pages']} pages "
          f"(target >= {TEXT_PAGES_PER_SECOND_TARGET:.0f}: {verdict})")
    print(f"  in process (CPU)      {t['pages_per_cpu_s']:.1f} pages per CPU second")
    print(f"  idp extract CLI       {c['pages_per_s']:.1f} pages/s wall, "
          f"{c['pages_per_cpu_s']:.1f} per CPU second (batch minus single run)")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
