"""Background work the service owns while it runs: workers, re-sending, webhook delivery."""

from __future__ import annotations

import logging
import os
import socket
import threading

from sqlalchemy import update

from idp.audit.heads import HeadExporter
from idp.db import get_session_factory
from idp.db.models import Document, DocumentStatus, Job, JobState, utcnow
from idp.jobs import queue
from idp.jobs.dispatch import submit
from idp.jobs.embedded import EmbeddedWorkers
from idp.settings import Settings
from idp.webhooks import WebhookDispatcher

log = logging.getLogger(__name__)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release_dead_local_claims(settings: Settings) -> int:
    """Requeue jobs claimed by embedded workers of a process on this host that has died
    (the service was killed mid-document), without waiting for their leases to run out."""
    host = socket.gethostname()
    factory = get_session_factory(settings)
    released = 0
    with factory() as session:
        rows = session.query(Job.id, Job.lease_owner, Job.document_id).filter(
            Job.state == JobState.RUNNING.value, Job.lease_owner.like(f"embedded:{host}:%")
        )
        for job_id, owner, doc_id in rows.all():
            try:
                pid = int((owner or "").split(":")[2])
            except (IndexError, ValueError):
                continue
            if pid == os.getpid() or _pid_alive(pid):
                continue
            now = utcnow()
            session.execute(
                update(Job)
                .where(Job.id == job_id, Job.lease_owner == owner)
                .values(state=JobState.QUEUED.value, lease_owner=None, lease_until=None,
                        not_before=now, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            session.execute(
                update(Document)
                .where(Document.id == doc_id)
                .values(status=DocumentStatus.QUEUED.value, progress=0.0, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            released += 1
        session.commit()
    if released:
        log.warning("requeued %d documents left unfinished by a stopped service", released)
    return released


def resend_unfinished(settings: Settings, older_than_s: float) -> list[str]:
    """Fail jobs out of attempts, and send again those queued for longer than
    ``older_than_s`` or running on a lease that ran out."""
    with get_session_factory(settings)() as session:
        queue.fail_exhausted(session, settings.jobs.max_attempts)
        session.commit()
        ids = queue.unfinished_document_ids(session, older_than_s=older_than_s)
    submit(ids, settings)
    if ids:
        log.info("re-sent %d unfinished documents", len(ids))
    return ids


class Sweeper:
    """Scale mode: a thread that re-sends unfinished work every ``sweep_interval_s``.

    Runs in the API service and in every ``idp worker``: a task acknowledged after a hard
    time limit, or lost with a broker restart, is sent again once its lease has run out.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="idp-sweeper", daemon=True)

    def _run(self) -> None:
        interval = self.settings.jobs.sweep_interval_s
        first = True
        while first or not self._stop.wait(interval):
            try:
                # At start, anything queued may have lost its message; later, only what
                # waited longer than a sweep (the rest is still in the broker's queue).
                resend_unfinished(self.settings, 0.0 if first else max(10 * interval, 300.0))
            except Exception:
                log.exception("re-sending unfinished work failed")
            first = False

    def start(self) -> None:
        """Start sweeping."""
        self._thread.start()

    def stop(self) -> None:
        """Stop sweeping."""
        self._stop.set()
        self._thread.join(timeout=5)


class ServiceRuntime:
    """Starts and stops the service's background work.

    Embedded mode: worker threads (which resume unfinished jobs on their own). Scale mode:
    a ``Sweeper`` re-sends Celery tasks for jobs left unfinished. Both: webhook delivery
    and the signed audit head export.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.workers: EmbeddedWorkers | None = None
        self.sweeper: Sweeper | None = None
        self.webhooks = WebhookDispatcher(settings)
        self.audit_heads = HeadExporter(settings)

    def start(self) -> None:
        """Start everything."""
        if self.settings.broker_url:
            self.sweeper = Sweeper(self.settings)
            self.sweeper.start()
        else:
            release_dead_local_claims(self.settings)
            if self.settings.jobs.workers > 0:
                self.workers = EmbeddedWorkers(self.settings)
                self.workers.start()
        self.webhooks.start()
        self.audit_heads.start()

    def stop(self) -> None:
        """Stop; documents in hand are finished first (workers) or left to a lease."""
        if self.sweeper is not None:
            self.sweeper.stop()
        if self.workers is not None:
            self.workers.stop()
        self.webhooks.stop()
        self.audit_heads.stop()
