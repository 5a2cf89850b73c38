"""Celery on Redis for scale mode: ``idp worker`` runs this app's worker.

Acks late and rejects on a lost worker (a killed worker's task is delivered again),
prefetch 1, soft and hard time limits from settings. The task only claims and runs the
document's job through the same function as embedded workers; the database claim, not
the broker, decides who processes a document, so a redelivered or duplicated task never
produces a second record.
"""

from __future__ import annotations

import logging
import os
import socket

from celery import Celery, Task
from celery.signals import worker_process_init
from sqlalchemy import select

from idp.db import get_session_factory
from idp.db.models import Job, JobState, as_utc, utcnow
from idp.jobs.outage import is_outage, outage_backoff
from idp.jobs.process import claim_and_run
from idp.pipeline import PIPELINE_VERSION
from idp.settings import Settings, get_settings

log = logging.getLogger(__name__)

TASK_NAME = "idp.process_document"
QUEUE = "idp"


def make_celery(settings: Settings) -> Celery:
    """A Celery app configured from ``settings``."""
    app = Celery("idp", broker=settings.broker_url or "redis://127.0.0.1:6379/0")
    jobs = settings.jobs
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_soft_time_limit=jobs.soft_time_limit_s,
        task_time_limit=jobs.hard_time_limit_s,
        task_default_queue=QUEUE,
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": jobs.visibility_timeout_s},
        worker_hijack_root_logger=False,
        worker_max_memory_per_child=1_500_000,  # KiB: recycle a child that grew past 1.5 GB
    )
    return app


celery_app = make_celery(get_settings())


@worker_process_init.connect
def _after_fork(**_: object) -> None:
    # Pool children are forked from the main process, which may hold database connections
    # and S3 connection pools (the sweeper uses them): never share those across processes.
    from idp.db.engine import forget_engines_after_fork
    from idp.storage import forget_stores_after_fork

    forget_engines_after_fork()
    forget_stores_after_fork()


def _wait_for(document_id: str) -> tuple[str, float]:
    """The job's state and how long until it could be claimed."""
    with get_session_factory(get_settings())() as session:
        job = session.scalars(
            select(Job).where(
                Job.document_id == document_id, Job.pipeline_version == PIPELINE_VERSION
            )
        ).first()
        if job is None:
            return "missing", 0.0
        now = utcnow()
        if job.state == JobState.RUNNING.value:
            until = as_utc(job.lease_until) or now
            return job.state, max((until - now).total_seconds(), 0.0) + 1.0
        if job.state == JobState.QUEUED.value:
            nb = as_utc(job.not_before) or now
            return job.state, max((nb - now).total_seconds(), 0.0) + 0.5
        return job.state, 0.0


@celery_app.task(name=TASK_NAME, bind=True, max_retries=None, acks_late=True)
def process_document_task(self: Task, document_id: str) -> str:
    """Claim and process ``document_id``'s job; wait and retry while someone else holds it."""
    settings = get_settings()
    owner = f"celery:{socket.gethostname()}:{os.getpid()}"
    try:
        claim, outcome = claim_and_run(settings, owner, document_id)
        if claim is not None and outcome != "queued":
            return outcome
        state, wait = _wait_for(document_id)
    except Exception as exc:
        if not is_outage(exc):
            raise
        # The database or the store is down: a task that raised would be acknowledged and
        # its message gone (the sweeper sends it again only much later). Keep it instead.
        countdown = outage_backoff(self.request.retries)
        log.warning("document %s: %s; trying again in %.0f s", document_id,
                    type(exc).__name__, countdown)
        raise self.retry(countdown=countdown) from None
    if state in ("done", "failed", "missing"):
        return state
    # Queued for a retry, or held by a live worker: look again when that could change.
    raise self.retry(countdown=min(max(wait, 0.5), 60.0))


_senders: dict[str, Celery] = {}


def send(document_ids: list[str], settings: Settings) -> None:
    """Queue one task per document on ``settings.broker_url``."""
    url = settings.broker_url or ""
    app = _senders.get(url)
    if app is None:
        app = _senders[url] = make_celery(settings)
    for doc_id in document_ids:
        app.send_task(TASK_NAME, args=[doc_id], queue=QUEUE)


def run_worker(concurrency: int, loglevel: str = "INFO") -> None:
    """Run a Celery worker in the foreground (prefork pool)."""
    celery_app.worker_main(
        [
            "worker",
            f"--loglevel={loglevel}",
            f"--concurrency={concurrency}",
            "--pool=prefork",
            "-Q",
            QUEUE,
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"idp-{os.getpid()}@%h",
        ]
    )


__all__ = ["celery_app", "make_celery", "process_document_task", "run_worker", "send"]
