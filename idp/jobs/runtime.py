"""Background work the service owns while it runs: workers, re-sending, webhook delivery."""

from __future__ import annotations

import logging
import os
import socket
import threading

from sqlalchemy import update

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


class ServiceRuntime:
    """Starts and stops the service's background work.

    Embedded mode: worker threads (which resume unfinished jobs on their own). Scale mode:
    re-sends Celery tasks for jobs left unfinished (a lost message, a crash between commit
    and send). Both: webhook delivery.
    """

    def __init__(self, settings: Settings, resend_interval_s: float = 300.0) -> None:
        self.settings = settings
        self.resend_interval_s = resend_interval_s
        self.workers: EmbeddedWorkers | None = None
        self.webhooks = WebhookDispatcher(settings)
        self._stop = threading.Event()
        self._resender: threading.Thread | None = None

    def start(self) -> None:
        """Start everything."""
        if self.settings.broker_url:
            self._resender = threading.Thread(target=self._resend_loop, daemon=True)
            self._resender.start()
        else:
            release_dead_local_claims(self.settings)
            if self.settings.jobs.workers > 0:
                self.workers = EmbeddedWorkers(self.settings)
                self.workers.start()
        self.webhooks.start()

    def _resend_loop(self) -> None:
        first = True
        while first or not self._stop.wait(self.resend_interval_s):
            try:
                with get_session_factory(self.settings)() as session:
                    queue.fail_exhausted(session, self.settings.jobs.max_attempts)
                    session.commit()
                    ids = queue.unfinished_document_ids(
                        session, older_than_s=0 if first else self.resend_interval_s
                    )
                submit(ids, self.settings)
                if ids:
                    log.info("re-sent %d unfinished documents", len(ids))
            except Exception:
                log.exception("re-sending unfinished work failed")
            first = False

    def stop(self) -> None:
        """Stop; documents in hand are finished first (workers) or left to a lease."""
        self._stop.set()
        if self.workers is not None:
            self.workers.stop()
        self.webhooks.stop()
