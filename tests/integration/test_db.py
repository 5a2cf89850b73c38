"""Migrations and the job queue on SQLite (WAL) and on the PostgreSQL at 127.0.0.1:5432."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select, update

from idp.db import Document, Job, get_engine, get_session_factory
from idp.db.migrate import current_revisions, head_revisions, upgrade_database
from idp.db.models import JobState, as_utc, utcnow
from idp.jobs import queue
from idp.settings import Settings
from tests.fixtures.services import SettingsFactory


@pytest.fixture(params=["local", pytest.param("scale", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, service_settings: SettingsFactory) -> Settings:
    if request.param == "scale":
        s = service_settings("local")
        s.database_url = request.getfixturevalue("postgres_url")
    else:
        s = service_settings("local")
    upgrade_database(s)
    return s


def _add_docs(settings: Settings, n: int) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(n)]
    with get_session_factory(settings).begin() as s:
        for doc_id in ids:
            s.add(Document(id=doc_id, batch_id="b", filename="f.pdf", sha256="0" * 64, errors=[]))
        s.flush()
        for doc_id in ids:
            queue.enqueue(s, doc_id)
    return ids


def test_migrations_reach_head_and_repeat(settings: Settings) -> None:
    upgrade_database(settings)  # a second time changes nothing
    assert current_revisions(settings) == head_revisions()
    tables = set(inspect(get_engine(settings)).get_table_names())
    assert {"api_keys", "documents", "jobs", "idempotency_keys", "webhooks"} <= tables


def test_concurrent_claims_never_share_a_job(settings: Settings) -> None:
    ids = _add_docs(settings, 40)
    claimed: list[str] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        factory = get_session_factory(settings)
        while True:
            with factory() as s:
                c = queue.claim(s, f"w{n}", 60, 3)
            if c is None:
                return
            with lock:
                claimed.append(c.document_id)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    mine = [d for d in claimed if d in set(ids)]
    assert Counter(mine) == Counter(ids)  # every job once, none twice


def test_a_stale_claim_cannot_finish_the_job(settings: Settings) -> None:
    (doc_id,) = _add_docs(settings, 1)
    factory = get_session_factory(settings)
    with factory() as s:
        first = queue.claim(s, "dead-worker", 60, 3, document_id=doc_id)
    assert first is not None
    with factory.begin() as s:  # the lease runs out: the worker is presumed dead
        s.execute(update(Job).where(Job.id == first.job_id)
                  .values(lease_until=utcnow() - timedelta(seconds=1)))
    with factory() as s:
        second = queue.claim(s, "live-worker", 60, 3, document_id=doc_id)
    assert second is not None and second.attempts == 2
    with factory() as s:
        assert not queue.mark_done(s, first)  # the old claimant wakes up: fenced off
        s.rollback()
    with factory() as s:
        assert queue.mark_done(s, second)
        s.commit()
    with factory() as s:
        job = s.scalars(select(Job).where(Job.document_id == doc_id)).one()
        assert job.state == JobState.DONE.value and job.runs_completed == 1


def test_retry_with_backoff_then_fail_after_the_limit(settings: Settings) -> None:
    (doc_id,) = _add_docs(settings, 1)
    factory = get_session_factory(settings)
    states = []
    for _ in range(3):
        with factory.begin() as s:  # make it due now, whatever the backoff said
            s.execute(update(Job).where(Job.document_id == doc_id).values(not_before=utcnow()))
        with factory() as s:
            c = queue.claim(s, "w", 60, 3, document_id=doc_id)
        assert c is not None
        with factory() as s:
            states.append(queue.retry_or_fail(s, c, "boom", max_attempts=3, backoff_s=30))
            job = s.scalars(select(Job).where(Job.document_id == doc_id)).one()
            not_before = as_utc(job.not_before)
            if states[-1] == "queued":
                assert not_before is not None
                assert not_before > utcnow() + timedelta(seconds=20)  # backed off
    assert states == ["queued", "queued", "failed"]
    with factory() as s:
        doc = s.get(Document, doc_id)
        assert doc is not None and doc.status == "failed"
        assert "after 3 attempts" in doc.errors[0]
        assert queue.claim(s, "w", 60, 3, document_id=doc_id) is None


def test_a_job_whose_worker_dies_every_time_fails(settings: Settings) -> None:
    (doc_id,) = _add_docs(settings, 1)
    factory = get_session_factory(settings)
    for _ in range(2):
        with factory() as s:
            c = queue.claim(s, "w", 60, 2, document_id=doc_id)
        assert c is not None
        with factory.begin() as s:
            s.execute(update(Job).where(Job.id == c.job_id)
                      .values(lease_until=utcnow() - timedelta(seconds=1)))
    with factory() as s:
        assert queue.claim(s, "w", 60, 2, document_id=doc_id) is None
    with factory() as s:
        assert s.get(Document, doc_id).status == "failed"  # type: ignore[union-attr]
