"""Load benchmark: documents uploaded concurrently to a running ``idp serve`` with 2 workers.

Starts the service (embedded mode: local folder, SQLite WAL, 2 worker threads) on a fresh
data folder, then:

1. warm-up: ``--warmup`` documents (default 50) uploaded and processed; service RSS taken;
2. load: ``--concurrent`` documents (default 200) uploaded all at once, each upload timed
   (accept latency = time to the ``202``); pages per second over the batch, from the first
   upload to the last record;
3. soak: more documents until ``--total`` (default 500) are processed; RSS taken again.

Then it proves that every document ended with exactly one record: one document row per
upload, every job ``done`` with ``runs_completed == 1``, a record object for each, and the
record's id equal to the document's. Forms come from the synthetic generator in
``tests/synthetic`` (text-layer PDFs of the ``application`` schema, ``--scan-fraction`` of
them as scanned PNGs that go through OCR).

    .venv/bin/python benchmarks/bench_load.py [--total 500] [--concurrent 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_documents(n: int, scan_fraction: float, seed: int) -> list[tuple[str, bytes, int]]:
    """(filename, bytes, pages) for ``n`` synthetic application forms."""
    from tests.synthetic.render import render_pdf, render_scan, save_images
    from tests.synthetic.spec import generate_forms

    rng = random.Random(seed)
    forms = generate_forms(n, seed=seed)
    docs = []
    for i, form in enumerate(forms):
        pdf = render_pdf(form)
        if rng.random() < scan_fraction:
            pages = render_scan(pdf, page=1)
            docs.append((f"scan-{i}.png", save_images(pages, "png", 300), 1))
        else:
            import pypdfium2

            count = len(pypdfium2.PdfDocument(pdf))
            docs.append((f"form-{i}.pdf", pdf, count))
    return docs


def rss_mib(pid: int) -> float:
    """Resident memory of a process, MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def upload_all(
    base: str, key: str, docs: list[tuple[str, bytes, int]]
) -> tuple[list[str], list[float]]:
    """Upload every document at once; returns ids and accept latencies (s)."""
    limits = httpx.Limits(max_connections=len(docs), max_keepalive_connections=len(docs))
    async with httpx.AsyncClient(base_url=base, timeout=300, limits=limits) as client:

        async def one(name: str, data: bytes) -> tuple[str, float]:
            started = time.perf_counter()
            r = await client.post(
                "/v1/documents",
                files=[("files", (name, data, "application/octet-stream"))],
                data={"schema": "application"},
                headers={"Authorization": f"Bearer {key}"},
            )
            elapsed = time.perf_counter() - started
            if r.status_code != 202:
                raise RuntimeError(f"upload of {name} answered {r.status_code}: {r.text[:200]}")
            return r.json()["documents"][0]["id"], elapsed

        results = await asyncio.gather(*(one(n, d) for n, d, _ in docs))
    return [r[0] for r in results], [r[1] for r in results]


def wait_done(base: str, key: str, ids: list[str], timeout: float) -> float:
    """Poll until no document is queued or processing (two list requests per poll, so the
    poller hardly loads the service); returns the time it happened."""
    deadline = time.monotonic() + timeout
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base, timeout=60) as client:
        while True:
            busy = 0
            for status in ("queued", "processing"):
                r = client.get("/v1/documents", params={"status": status, "limit": "1"},
                               headers=headers)
                busy += len(r.json()["items"])
            if not busy:
                return time.perf_counter()
            if time.monotonic() > deadline:
                raise RuntimeError(f"documents not finished in {timeout}s")
            time.sleep(0.25)


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (nearest rank)."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def verify(data_dir: Path, all_ids: list[str]) -> dict[str, object]:
    """Every upload has one document, one finished job run and one record."""
    from sqlalchemy import func, select

    from idp.db import Document, Job, get_session_factory
    from idp.settings import Settings
    from idp.storage import get_storage, record_key

    settings = Settings(data_dir=data_dir)
    storage = get_storage(settings)
    with get_session_factory(settings)() as s:
        n_docs = s.scalar(select(func.count()).select_from(Document))
        jobs = s.execute(select(Job.document_id, Job.state, Job.runs_completed)).all()
        statuses = dict(
            s.execute(select(Document.status, func.count()).group_by(Document.status)).all()
        )
    by_doc: dict[str, list[tuple[str, int]]] = {}
    for doc_id, state, runs in jobs:
        by_doc.setdefault(doc_id, []).append((state, runs))
    missing_records = []
    wrong_ids = []
    reasons: dict[str, int] = {}
    for doc_id in all_ids:
        try:
            record = json.loads(storage.get(record_key(doc_id)))
        except Exception:
            missing_records.append(doc_id)
            continue
        if record.get("id") != doc_id:
            wrong_ids.append(doc_id)
        if record.get("status") == "failed":
            reason = (record.get("errors") or ["?"])[0][:120]
            reasons[reason] = reasons.get(reason, 0) + 1
    lost = [d for d in all_ids if by_doc.get(d) != [("done", 1)]]
    return {
        "uploads": len(all_ids),
        "distinct_ids": len(set(all_ids)),
        "document_rows": n_docs,
        "jobs_done_once": sum(1 for d in all_ids if by_doc.get(d) == [("done", 1)]),
        "lost_or_duplicated": len(lost),
        "missing_records": len(missing_records),
        "mismatched_record_ids": len(wrong_ids),
        "statuses": statuses,
        "failure_reasons": reasons,
    }


def main() -> int:
    """Run the benchmark and print its figures as JSON."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--total", type=int, default=500)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--concurrent", type=int, default=200)
    ap.add_argument("--scan-fraction", type=float, default=0.1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--timeout", type=float, default=3600)
    args = ap.parse_args()
    soak = max(args.total - args.warmup - args.concurrent, 0)

    t0 = time.perf_counter()
    docs = make_documents(args.warmup + args.concurrent + soak, args.scan_fraction, args.seed)
    print(f"generated {len(docs)} documents in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    warm, load, rest = (docs[: args.warmup], docs[args.warmup: args.warmup + args.concurrent],
                        docs[args.warmup + args.concurrent:])

    with tempfile.TemporaryDirectory(prefix="idp-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        env = {**os.environ, "IDP_DATA_DIR": str(data_dir), "OMP_THREAD_LIMIT": "1",
               "IDP_JOBS__WORKERS": str(args.workers)}
        idp = str(Path(sys.executable).parent / "idp")
        key = subprocess.run([idp, "keys", "create", "--role", "admin"], env=env, check=True,
                             capture_output=True, text=True).stdout.strip()
        log = open(Path(tmp) / "serve.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen([idp, "serve", "--port", str(args.port)], env=env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{args.port}"
        try:
            for _ in range(300):
                try:
                    if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            out: dict[str, object] = {"workers": args.workers, "documents": len(docs)}

            ids_w, _ = asyncio.run(upload_all(base, key, warm))
            wait_done(base, key, ids_w, args.timeout)
            out["rss_mib_after_warmup"] = round(rss_mib(proc.pid), 1)
            out["warmup_documents"] = len(warm)

            started = time.perf_counter()
            ids_l, latencies = asyncio.run(upload_all(base, key, load))
            accepted = time.perf_counter()
            finished = wait_done(base, key, ids_l, args.timeout)
            pages = sum(p for _, _, p in load)
            out["concurrent_uploads"] = len(load)
            out["accept_latency_s"] = {
                "p50": round(statistics.median(latencies), 3),
                "p95": round(percentile(latencies, 95), 3),
                "max": round(max(latencies), 3),
            }
            out["all_accepted_in_s"] = round(accepted - started, 2)
            out["batch_processing_s"] = round(finished - started, 1)
            out["pages"] = pages
            out["pages_per_s"] = round(pages / (finished - started), 3)
            out["documents_per_s"] = round(len(load) / (finished - started), 3)

            ids_r: list[str] = []
            for i in range(0, len(rest), 50):
                chunk_ids, _ = asyncio.run(upload_all(base, key, rest[i:i + 50]))
                ids_r += chunk_ids
                wait_done(base, key, chunk_ids, args.timeout)
            out["rss_mib_after_total"] = round(rss_mib(proc.pid), 1)
            out["rss_growth_pct"] = round(
                100 * (out["rss_mib_after_total"] / out["rss_mib_after_warmup"] - 1), 1  # type: ignore[operator]
            )
            out["verification"] = verify(data_dir, ids_w + ids_l + ids_r)
            out["total_s"] = round(time.perf_counter() - t0, 1)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)
            log.close()
    print(json.dumps(out, indent=2))
    v = out.get("verification", {})
    ok = isinstance(v, dict) and v.get("lost_or_duplicated") == 0 and v.get("missing_records") == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
