"""A real Celery worker on the Redis at 127.0.0.1:6379, PostgreSQL and S3: a worker killed
with SIGKILL in the middle of a document → the document is still processed exactly once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from idp.db import Document, Job, get_session_factory
from idp.db.migrate import upgrade_database
from idp.jobs.dispatch import submit
from idp.jobs.intake import Upload, accept_uploads
from idp.keys import create_key
from idp.settings import Settings
from idp.storage import document_prefix, get_storage, record_key
from tests.data.pages import TEXT_LINES, pdf_with_pages, text_page
from tests.fixtures.processes import Worker
from tests.fixtures.services import SettingsFactory

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.s3, pytest.mark.slow]


@pytest.fixture
def scale(service_settings: SettingsFactory, redis_url: str) -> Settings:
    settings = service_settings(
        "scale", lease_s=6.0, visibility_timeout_s=5, max_attempts=3, sweep_interval_s=2.0
    )
    settings.broker_url = redis_url
    upgrade_database(settings)
    return settings


@pytest.fixture
def workers(scale: Settings, tmp_path: Path) -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for w in started:
        w.stop()


def _slow_document() -> bytes:
    # Six image-only pages: OCR of each takes about a second on one core.
    pages = [text_page(TEXT_LINES[i:] + TEXT_LINES[:i], dpi=200).image for i in range(6)]
    return pdf_with_pages(list(pages), dpi=200)


def _job(settings: Settings, doc_id: str) -> Job:
    with get_session_factory(settings)() as s:
        return s.scalars(select(Job).where(Job.document_id == doc_id)).one()


def _wait(cond: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_sigkilled_worker_mid_document_processes_it_exactly_once(
    scale: Settings, workers: list[Worker], tmp_path: Path
) -> None:
    storage = get_storage(scale)
    with get_session_factory(scale)() as s:
        owner, _ = create_key(s, "uploader")
        s.commit()
        # One document of six pages (six copies of a whole form would be split).
        docs, _ = accept_uploads(s, storage, scale, owner, [Upload("slow.pdf", _slow_document())],
                                 split=False)
        s.commit()
    doc_id = docs[0].id
    workers.append(Worker(scale, tmp_path / "worker1.log"))
    submit([doc_id], scale)

    _wait(lambda: _job(scale, doc_id).state == "running", 90, "the first worker to claim")
    time.sleep(1.5)  # well inside the document (several seconds of OCR)
    assert _job(scale, doc_id).state == "running"
    workers[0].kill()
    assert not storage.exists(record_key(doc_id))

    workers.append(Worker(scale, tmp_path / "worker2.log"))
    _wait(lambda: _job(scale, doc_id).state in ("done", "failed"), 180, "the job to finish")
    job = _job(scale, doc_id)
    assert job.state == "done"
    assert job.runs_completed == 1  # one finished run: no duplicate
    assert job.attempts == 2  # the killed attempt, and the one that finished
    with get_session_factory(scale)() as s:
        doc = s.get(Document, doc_id)
        assert doc is not None and doc.status == "accepted" and doc.pages == 6
    keys = storage.list(document_prefix(doc_id))
    assert keys.count(record_key(doc_id)) == 1
    assert len([k for k in keys if "/pages/" in k]) == 6

    # A duplicated task (the broker redelivering, a re-send) changes nothing.
    submit([doc_id], scale)
    time.sleep(3)
    assert _job(scale, doc_id).runs_completed == 1


def test_hard_time_limit_kills_a_stuck_document_and_it_fails(
    service_settings: SettingsFactory, redis_url: str, workers: list[Worker], tmp_path: Path
) -> None:
    settings = service_settings(
        "scale", lease_s=4.0, visibility_timeout_s=5, max_attempts=1,
        hard_time_limit_s=2.0, soft_time_limit_s=1.5, sweep_interval_s=2.0,
    )
    settings.broker_url = redis_url
    upgrade_database(settings)
    storage = get_storage(settings)
    with get_session_factory(settings)() as s:
        owner, _ = create_key(s, "uploader")
        s.commit()
        docs, _ = accept_uploads(s, storage, settings, owner,
                                 [Upload("slow.pdf", _slow_document())])
        s.commit()
    doc_id = docs[0].id
    workers.append(Worker(settings, tmp_path / "worker.log"))
    submit([doc_id], settings)
    _wait(lambda: _job(settings, doc_id).state in ("done", "failed"), 120, "the job to end")
    with get_session_factory(settings)() as s:
        doc = s.get(Document, doc_id)
        assert doc is not None and doc.status == "failed"
        assert doc.errors, "a failed document says why"
    assert workers[0].proc.poll() is None  # the worker itself survives


def test_api_at_scale_with_celery_workers(
    scale: Settings, workers: list[Worker], tmp_path: Path
) -> None:
    """Upload over HTTP to the service in scale mode (PostgreSQL, S3, Celery on Redis);
    two real workers process; the record comes back through the API."""
    from tests.api.conftest import ServiceEnv
    from tests.data.pages import text_pdf

    env = ServiceEnv(scale)
    try:
        workers.append(Worker(scale, tmp_path / "w1.log"))
        workers.append(Worker(scale, tmp_path / "w2.log"))
        r = env.upload([(f"f{i}.pdf", text_pdf([TEXT_LINES[i:i + 4]])) for i in range(4)])
        assert r.status_code == 202
        ids = [d["id"] for d in r.json()["documents"]]
        for doc_id in ids:
            assert env.wait(doc_id, timeout=120)["status"] == "accepted"
            rec = env.client.get(f"/v1/documents/{doc_id}/record", headers=env.auth("admin"))
            assert rec.json()["id"] == doc_id
        for doc_id in ids:
            assert _job(scale, doc_id).runs_completed == 1
    finally:
        env.close()
