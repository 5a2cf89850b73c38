"""Webhook receivers that take 10 s to answer must not slow the API down.

Five receivers on loopback each answer every delivery after ``--delay`` seconds (10 by
default); five webhooks point at them. ``--docs`` text PDFs are uploaded and processed by
the embedded workers (SQLite + local folder) while a client polls ``GET /v1/documents``;
the script prints the latency percentiles of those requests and how many deliveries had
arrived. Target (issue 10): p95 < 200 ms with 100 documents.

Usage::

    python -m benchmarks.bench_webhooks                 # 100 documents
    python -m benchmarks.bench_webhooks --docs 20 --delay 10
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402  (after the path set-up)

from idp.api.main import create_app  # noqa: E402
from idp.db import get_session_factory  # noqa: E402
from idp.keys import create_key  # noqa: E402
from idp.settings import Settings  # noqa: E402
from tests.data.pages import TEXT_LINES, text_pdf  # noqa: E402


class SlowReceiver:
    """Answers 204 to each POST after ``delay`` seconds."""

    def __init__(self, delay: float) -> None:
        self.count = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                self.rfile.read(int(self.headers["content-length"]))
                time.sleep(delay)
                outer.count += 1
                try:
                    self.send_response(204)
                    self.end_headers()
                except OSError:
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0–1) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    """Run the measurement and print it."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=100)
    parser.add_argument("--delay", type=float, default=10.0)
    parser.add_argument("--receivers", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--observe", type=float, default=None,
                        help="poll at least this long (default: three receiver delays), so "
                        "the window covers deliveries held by the slow receivers")
    args = parser.parse_args()

    receivers = [SlowReceiver(args.delay) for _ in range(args.receivers)]
    with tempfile.TemporaryDirectory(prefix="idp-bench-webhooks-") as tmp:
        settings = Settings(data_dir=Path(tmp) / "data")
        settings.jobs.workers = args.workers
        settings.jobs.poll_interval_s = 0.1
        settings.webhooks.egress_allow = ["127.0.0.1/32"]
        settings.webhooks.timeout_s = args.delay + 5
        settings.webhooks.poll_interval_s = 0.2
        with TestClient(create_app(settings)) as client:
            with get_session_factory(settings).begin() as s:
                _row, admin = create_key(s, "admin")
            auth = {"Authorization": f"Bearer {admin}"}
            for r in receivers:
                assert client.post("/v1/webhooks", json={"url": r.url},
                                   headers=auth).status_code == 201
            pdf = text_pdf([TEXT_LINES[:4]])
            started = time.monotonic()
            for i in range(args.docs):
                client.post("/v1/documents", files=[("files", (f"d{i}.pdf", pdf,
                                                               "application/pdf"))],
                            headers=auth)
            latencies: list[float] = []
            processed_in: float | None = None
            done = 0
            observe = 3 * args.delay if args.observe is None else args.observe
            while done < args.docs or time.monotonic() - started < observe:
                t0 = time.perf_counter()
                body = client.get("/v1/documents", params={"limit": 200}, headers=auth).json()
                latencies.append(time.perf_counter() - t0)
                done = sum(d["status"] not in ("queued", "processing") for d in body["items"])
                time.sleep(0.05)
                if time.monotonic() - started > 3600:
                    print("gave up after an hour", file=sys.stderr)
                    return 1
                if done == args.docs and processed_in is None:
                    processed_in = time.monotonic() - started
            elapsed = processed_in or time.monotonic() - started
            observed = time.monotonic() - started
            delivered = sum(r.count for r in receivers)
    ms = [v * 1000 for v in latencies]
    print(f"documents: {args.docs} processed in {elapsed:.1f} s "
          f"({args.docs / elapsed * 60:.1f}/min), {args.workers} workers")
    print(f"receivers: {args.receivers} answering after {args.delay:g} s; "
          f"{delivered} of {args.docs * args.receivers} deliveries answered within "
          f"{observed:.0f} s")
    print(f"GET /v1/documents while processing and delivering: {len(ms)} requests, "
          f"p50 {statistics.median(ms):.1f} ms, p95 {percentile(ms, 0.95):.1f} ms, "
          f"max {max(ms):.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
