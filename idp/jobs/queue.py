"""The job table as a queue: enqueue, claim, heartbeat, finish, retry.

A claim is one ``UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED) RETURNING``
statement (select-then-update double-claimed on SQLite; SQLite ignores ``FOR UPDATE`` but
its ``BEGIN IMMEDIATE`` makes the statement exclusive anyway). Every claim bumps
``attempts``, and ``(lease_owner, attempts)`` fences what the claimant may write
afterwards: a worker that lost its lease (it was presumed dead) cannot finish the job.
A claim that ended because the object store or database was down (``requeue_after_outage``)
also bumps ``outage_retries``, and does not use up an attempt: a job has used
``attempts - outage_retries`` of its ``max_attempts``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from idp.db.models import Document, DocumentStatus, Job, JobState, utcnow
from idp.jobs.messages import public_message
from idp.jobs.outage import outage_backoff
from idp.pipeline import PIPELINE_VERSION

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claim:
    """A job this worker holds until ``lease`` runs out."""

    job_id: int
    document_id: str
    attempts: int
    owner: str
    pipeline_version: str
    outage_retries: int = 0

    @property
    def attempts_used(self) -> int:
        """Attempts counted against ``max_attempts`` (outages do not count)."""
        return self.attempts - self.outage_retries


def enqueue(session: Session, document_id: str) -> Job:
    """Add the job for ``document_id`` at the current pipeline version (one per pair)."""
    job = Job(document_id=document_id, pipeline_version=PIPELINE_VERSION)
    session.add(job)
    return job


def _claimable(now_expr: object, max_attempts: int) -> object:
    now = now_expr
    return and_(
        Job.pipeline_version == PIPELINE_VERSION,
        Job.attempts - Job.outage_retries < max_attempts,
        or_(
            and_(Job.state == JobState.QUEUED.value, Job.not_before <= now),
            and_(Job.state == JobState.RUNNING.value, Job.lease_until < now),
        ),
    )


def claim(
    session: Session,
    owner: str,
    lease_s: float,
    max_attempts: int,
    document_id: str | None = None,
) -> Claim | None:
    """Claim the oldest claimable job (or that of ``document_id``); commits. ``None`` if none."""
    now = utcnow()
    fail_exhausted(session, max_attempts)
    sub = select(Job.id).where(_claimable(now, max_attempts))  # type: ignore[arg-type]
    if document_id is not None:
        sub = sub.where(Job.document_id == document_id)
    sub = sub.order_by(Job.id).limit(1).with_for_update(skip_locked=True)
    stmt = (
        update(Job)
        .where(Job.id == sub.scalar_subquery())
        .values(
            state=JobState.RUNNING.value,
            attempts=Job.attempts + 1,
            lease_owner=owner,
            lease_until=now + timedelta(seconds=lease_s),
            updated_at=now,
        )
        .returning(Job.id, Job.document_id, Job.attempts, Job.pipeline_version,
                   Job.outage_retries)
        .execution_options(synchronize_session=False)
    )
    row = session.execute(stmt).first()
    if row is None:
        session.commit()
        return None
    session.execute(
        update(Document)
        .where(Document.id == row.document_id)
        .values(status=DocumentStatus.PROCESSING.value, progress=0.1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return Claim(row.id, row.document_id, row.attempts, owner, row.pipeline_version,
                 row.outage_retries)


def _fenced(c: Claim) -> object:
    return and_(
        Job.id == c.job_id,
        Job.state == JobState.RUNNING.value,
        Job.lease_owner == c.owner,
        Job.attempts == c.attempts,
    )


def heartbeat(session: Session, c: Claim, lease_s: float) -> bool:
    """Extend the lease; ``False`` if the job is no longer ours."""
    now = utcnow()
    res = session.execute(
        update(Job)
        .where(_fenced(c))  # type: ignore[arg-type]
        .values(lease_until=now + timedelta(seconds=lease_s), updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return bool(res.rowcount)  # type: ignore[attr-defined]


def report_progress(session: Session, c: Claim, progress: float) -> None:
    """Set the document's progress while the claim is still ours; commits."""
    owned = select(Job.id).where(_fenced(c))  # type: ignore[arg-type]
    session.execute(
        update(Document)
        .where(Document.id == c.document_id, owned.exists())
        .values(progress=progress, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()


def mark_done(session: Session, c: Claim) -> bool:
    """Finish the job in the caller's transaction; ``False`` (nothing changed) if we lost it."""
    now = utcnow()
    res = session.execute(
        update(Job)
        .where(_fenced(c))  # type: ignore[arg-type]
        .values(
            state=JobState.DONE.value,
            runs_completed=Job.runs_completed + 1,
            lease_owner=None,
            lease_until=None,
            last_error=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(res.rowcount)  # type: ignore[attr-defined]


def retry_or_fail(
    session: Session, c: Claim, error: str, max_attempts: int, backoff_s: float = 2.0
) -> str:
    """After an error outside the pipeline: queue again with backoff, or fail for good.

    Returns the new state (``queued``/``failed``), or ``lost`` if the job was not ours.
    """
    now = utcnow()
    final = c.attempts_used >= max_attempts
    values: dict[str, object] = {
        "lease_owner": None,
        "lease_until": None,
        "last_error": error[:2000],
        "updated_at": now,
        "state": JobState.FAILED.value if final else JobState.QUEUED.value,
        "not_before": now + timedelta(seconds=backoff_s * 2 ** (c.attempts_used - 1)),
    }
    res = session.execute(
        update(Job)
        .where(_fenced(c))  # type: ignore[arg-type]
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if not res.rowcount:  # type: ignore[attr-defined]
        session.commit()
        return "lost"
    doc_values: dict[str, object] = {"updated_at": now}
    if final:
        doc_values.update(
            status=DocumentStatus.FAILED.value,
            progress=1.0,
            completed_at=now,
            errors=[public_message(
                f"processing failed after {c.attempts_used} attempts: {error}")],
        )
    else:
        doc_values.update(status=DocumentStatus.QUEUED.value, progress=0.0)
    session.execute(
        update(Document)
        .where(Document.id == c.document_id)
        .values(**doc_values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return str(values["state"])


def requeue_after_outage(
    session: Session, c: Claim, error: str, max_attempts: int, max_outage_retries: int
) -> str:
    """After the object store or the database could not be reached: queue again with a
    growing backoff without using an attempt; past ``max_outage_retries`` such returns, the
    error counts as an attempt (``retry_or_fail``). Returns ``queued``/``failed``/``lost``."""
    if c.outage_retries >= max_outage_retries:
        return retry_or_fail(session, c, error, max_attempts)
    now = utcnow()
    res = session.execute(
        update(Job)
        .where(_fenced(c))  # type: ignore[arg-type]
        .values(
            state=JobState.QUEUED.value,
            outage_retries=Job.outage_retries + 1,
            lease_owner=None,
            lease_until=None,
            last_error=error[:2000],
            not_before=now + timedelta(seconds=outage_backoff(c.outage_retries)),
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if not res.rowcount:  # type: ignore[attr-defined]
        session.commit()
        return "lost"
    session.execute(
        update(Document)
        .where(Document.id == c.document_id)
        .values(status=DocumentStatus.QUEUED.value, progress=0.0, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return JobState.QUEUED.value


def fail_exhausted(session: Session, max_attempts: int) -> list[str]:
    """Jobs whose lease ran out on their last attempt (the worker died each time) fail."""
    now = utcnow()
    rows = session.execute(
        update(Job)
        .where(
            Job.state == JobState.RUNNING.value,
            Job.lease_until < now,
            Job.attempts - Job.outage_retries >= max_attempts,
        )
        .values(
            state=JobState.FAILED.value,
            lease_owner=None,
            last_error="the worker stopped (killed or timed out) on every attempt",
            updated_at=now,
        )
        .returning(Job.document_id)
        .execution_options(synchronize_session=False)
    ).all()
    ids = [r.document_id for r in rows]
    if ids:
        session.execute(
            update(Document)
            .where(Document.id.in_(ids))
            .values(
                status=DocumentStatus.FAILED.value,
                progress=1.0,
                completed_at=now,
                updated_at=now,
                errors=["processing stopped on every attempt (time limit or worker crash)"],
            )
            .execution_options(synchronize_session=False)
        )
        log.warning("jobs out of attempts: %s", ids)
    return ids


def unfinished_document_ids(session: Session, older_than_s: float = 0.0) -> list[str]:
    """Documents whose job is queued, or running on a lease that ran out (for re-dispatch)."""
    now = utcnow()
    cutoff = now - timedelta(seconds=older_than_s)
    rows = session.execute(
        select(Job.document_id)
        .where(
            Job.pipeline_version == PIPELINE_VERSION,
            or_(
                and_(Job.state == JobState.QUEUED.value, Job.updated_at <= cutoff),
                and_(Job.state == JobState.RUNNING.value, Job.lease_until < now),
            ),
        )
        .order_by(Job.id)
    ).all()
    return [r.document_id for r in rows]


def requeue(session: Session, document_id: str) -> None:
    """Queue ``document_id`` to be processed again (after a reviewer changed how its upload
    splits): its job at this pipeline version starts over, or a new one is added."""
    job = session.scalars(
        select(Job).where(Job.document_id == document_id, Job.pipeline_version == PIPELINE_VERSION)
    ).first()
    if job is None:
        enqueue(session, document_id)
        return
    job.state = JobState.QUEUED.value
    job.attempts = 0
    job.lease_owner = None
    job.lease_until = None
    job.not_before = utcnow()
    job.last_error = None
