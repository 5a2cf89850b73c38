"""Seconds per page of bare Tesseract, bare PP-OCRv6 (rapidocr) and ``idp extract``, in one
run, on three kinds of page:

(a) clean 300 dpi scans of generated forms (``tests.synthetic``, as bench_pipeline makes
    them: slight skew, noise, blur, JPEG artefacts; PNG files);
(b) real ~100 dpi forms (FUNSD, ../shared/data/funsd-train);
(c) real shop receipts (SROIE, ../shared/data/sroie-dev).

- bare tesseract: the ``tesseract FILE out -l eng`` command (Tesseract's default model);
- bare rapidocr: ``RapidOCR()(path)`` in this process, its default settings, one
  onnxruntime thread, models loaded before timing;
- idp extract: the CLI without a schema (and with ``--schema application`` on (a)), its
  start-up taken out: per page = (T(N) − T(1)) / (N − 1).

All with ``OMP_THREAD_LIMIT=1``. Wall and CPU seconds are printed; on a shared machine CPU
seconds are the steadier figure. Targets (issue 9): on (a) idp ≤ 1.6× bare tesseract
without a schema, ≤ 2.5× with; on (b) idp no slower than rapidocr alone.

    .venv/bin/python -m benchmarks.bench_ocr [--pages 6] [--sets synthetic,funsd,sroie]
"""

from __future__ import annotations

import argparse
import functools
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["OMP_THREAD_LIMIT"] = "1"

from benchmarks.bench_pipeline import _idp, _timed, make_scans  # noqa: E402
from benchmarks.shared_data import shared_data  # noqa: E402


@functools.lru_cache(maxsize=1)
def bare_rapidocr() -> Any:
    """rapidocr with its defaults, one onnxruntime thread, quiet."""
    from rapidocr import RapidOCR

    return RapidOCR(params={
        "Global.log_level": "warning",
        "EngineConfig.onnxruntime.intra_op_num_threads": 1,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    })


def time_tesseract(paths: list[Path]) -> tuple[float, float]:
    """(wall, CPU) seconds per page of the bare ``tesseract`` command, ``-l eng``."""
    wall = cpu = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for p in paths:
            w, c = _timed(["tesseract", str(p), str(Path(tmp) / "out"), "-l", "eng"])
            wall, cpu = wall + w, cpu + c
    return wall / len(paths), cpu / len(paths)


def time_rapidocr(paths: list[Path]) -> tuple[float, float]:
    """(wall, CPU) seconds per page of bare rapidocr in this process, models warm."""
    engine = bare_rapidocr()
    engine(str(paths[0]))  # load the models outside the timing
    started, cpu = time.perf_counter(), time.process_time()
    for p in paths:
        engine(str(p))
    return ((time.perf_counter() - started) / len(paths),
            (time.process_time() - cpu) / len(paths))


def time_idp(paths: list[Path], schema: str | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds per page of ``idp extract``, start-up taken out."""
    cmd = [_idp(), "extract", "-q"] + (["--schema", schema] if schema else [])
    single_wall, single_cpu = _timed([*cmd, str(paths[0])])
    batch_wall, batch_cpu = _timed([*cmd, *map(str, paths)])
    n = len(paths) - 1
    return (batch_wall - single_wall) / n, (batch_cpu - single_cpu) / n


def _rusage_note() -> str:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return f"(this process peak {peak:.0f} MB)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=6, help="pages per set (≥ 2)")
    parser.add_argument("--sets", default="synthetic,funsd,sroie")
    args = parser.parse_args()
    n = max(args.pages, 2)
    data = shared_data()
    with tempfile.TemporaryDirectory() as tmp:
        sets: dict[str, list[Path]] = {}
        wanted = args.sets.split(",")
        if "synthetic" in wanted:
            sets["synthetic 300 dpi"] = make_scans(Path(tmp), n, 300, seed=7)
        if "funsd" in wanted:
            sets["FUNSD"] = sorted((data / "funsd-train" / "images").glob("*.png"))[:n]
        if "sroie" in wanted:
            sets["receipts"] = sorted((data / "sroie-dev" / "img").glob("*.jpg"))[:n]
        print(f"seconds per page, wall / CPU, {n} pages a set, OMP_THREAD_LIMIT=1")
        for name, paths in sets.items():
            if len(paths) < 2:
                print(f"{name}: not present under {data}")
                continue
            tess = time_tesseract(paths)
            rapid = time_rapidocr(paths)
            idp = time_idp(paths)
            print(f"{name}:", flush=True)
            print(f"  bare tesseract (eng)  {tess[0]:6.2f} / {tess[1]:6.2f}")
            print(f"  bare rapidocr         {rapid[0]:6.2f} / {rapid[1]:6.2f}")
            print(f"  idp extract           {idp[0]:6.2f} / {idp[1]:6.2f}   "
                  f"{idp[0] / tess[0]:.2f}x tesseract, {idp[0] / rapid[0]:.2f}x rapidocr "
                  f"(CPU {idp[1] / tess[1]:.2f}x, {idp[1] / rapid[1]:.2f}x)", flush=True)
            if name.startswith("synthetic"):
                app = time_idp(paths, "application")
                print(f"  idp extract --schema application  {app[0]:6.2f} / {app[1]:6.2f}   "
                      f"{app[0] / tess[0]:.2f}x tesseract (CPU {app[1] / tess[1]:.2f}x)",
                      flush=True)
    print(_rusage_note())


if __name__ == "__main__":
    main()
