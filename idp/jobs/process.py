"""The one function that processes a claimed job, whatever invoked it (thread or Celery).

Order matters for "never lose, never duplicate": the record and page images are written to
object storage under keys fixed by the document id, then one transaction marks the job done
(fenced by the claim), updates the document and queues webhook events. A worker killed
anywhere in between leaves the job claimable once its lease runs out; the next attempt
rewrites the same keys, so there is still exactly one record.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from typing import Any

from idp.datamodel import Page, ProcessingOptions, ProcessingResult, Record
from idp.db import get_session_factory
from idp.db.models import Document, utcnow
from idp.jobs import queue
from idp.jobs.messages import public_message
from idp.jobs.outage import is_outage, outage_backoff
from idp.jobs.warmup import preload_libraries
from idp.pipeline import process_document, to_record
from idp.settings import Settings
from idp.stage_context import PageSink
from idp.storage import RecordStore, get_record_store

log = logging.getLogger(__name__)


def _png(image: Any) -> bytes | None:
    from PIL import Image

    if isinstance(image, (str, bytes)) or image is None:
        return None
    if not isinstance(image, Image.Image):
        try:
            image = Image.fromarray(image)
        except Exception:
            return None
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=False, compress_level=3)
    return buf.getvalue()


def _page_image_sink(doc_id: str, store: RecordStore) -> PageSink:
    """Stores each page's upright image as a PNG the moment the pipeline finishes the page
    (it drops the image right after), and notes its key on the page."""

    def put(page: Page, image: Any) -> None:
        png = _png(image)
        if png is not None:
            page.image_key = store.put_page_image(doc_id, page.number, png)

    return put


def _store_outputs(result: ProcessingResult, store: RecordStore, record: Record) -> None:
    store.save_layout(result.id, [p.model_dump(mode="json") for p in result.pages])
    store.save(record)


def _reviewed_split(doc: Document) -> dict[str, Any]:
    """The page ranges and types a reviewer set on the upload, as processing options (or
    that the uploader asked for no split)."""
    if (doc.split or {}).get("off"):
        return {"split": False}
    documents = (doc.split or {}).get("documents") or []
    if not documents:
        return {}
    return {
        "page_ranges": [list(d["pages"]) for d in documents],
        "page_types": [d.get("schema") for d in documents],
        "split_by": (doc.split or {}).get("by"),
    }


def _store_parts(result: ProcessingResult, store: RecordStore) -> list[Record]:
    """Each document found in an upload of several is stored as a document of its own:
    record, layout and its pages' images (renumbered from 1). Empty for one document."""
    records = []
    for part in result.parts:
        assert part.bundle is not None
        first, _ = part.bundle.pages
        for page in part.pages:
            try:
                png = store.page_image(result.id, first + page.number - 1)
            except Exception:  # the upload's page had no image (it could not be read)
                continue
            page.image_key = store.put_page_image(part.id, page.number, png)
        record = to_record(part)
        record.errors = [public_message(e) for e in record.errors]
        _store_outputs(part, store, record)
        records.append(record)
    return records


def _part_rows(
    session: Any, store: RecordStore, upload: Document, parts: list[Record]
) -> list[Document]:
    """The database rows of an upload's documents, created or updated; documents of an
    earlier split of the same upload that are gone now are erased."""
    from sqlalchemy import select

    from idp.jobs.erase import erase_document

    keep = {record.id for record in parts}
    stale = session.scalars(select(Document).where(Document.upload_id == upload.id)).all()
    for old in stale:
        if old.id not in keep:
            erase_document(session, store, old.id)
    rows = []
    for record in parts:
        assert record.bundle is not None
        row = session.get(Document, record.id)
        if row is None:
            row = Document(
                id=record.id, owner_key_id=upload.owner_key_id, batch_id=upload.batch_id,
                filename=upload.filename, size=0, sha256=upload.sha256,
                created_at=upload.created_at, upload_id=upload.id,
            )
            session.add(row)
        row.schema_name = record.schema_name
        row.bundle_index = record.bundle.index
        row.status = record.status.value
        row.progress = 1.0
        row.pages = record.source.pages
        row.media_type = upload.media_type
        row.errors = list(record.errors)
        row.completed_at = row.updated_at = utcnow()
        rows.append(row)
    session.flush()
    return rows


class _Heartbeat:
    """Extends the claim's lease in the background while the document is processed."""

    def __init__(self, claim: queue.Claim, settings: Settings) -> None:
        self.claim = claim
        self.settings = settings
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="idp-heartbeat", daemon=True)

    def _run(self) -> None:
        interval = max(self.settings.jobs.lease_s / 3, 0.5)
        factory = get_session_factory(self.settings)
        while not self._stop.wait(interval):
            try:
                with factory() as session:
                    if not queue.heartbeat(session, self.claim, self.settings.jobs.lease_s):
                        self.lost = True
                        return
            except Exception:
                log.exception("heartbeat failed for job %s", self.claim.job_id)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class _ProgressReporter:
    """Writes the document's progress (0.1 at claim … 0.9 before storing) as stages start;
    at most one write every ``min_interval_s``, so fast documents cost no extra writes."""

    def __init__(self, claim: queue.Claim, settings: Settings, min_interval_s: float = 1.0) -> None:
        self.claim = claim
        self.settings = settings
        self.min_interval_s = min_interval_s
        self._last = time.monotonic()

    def __call__(self, stage: str, fraction: float) -> None:
        now = time.monotonic()
        if now - self._last < self.min_interval_s:
            return
        self._last = now
        with get_session_factory(self.settings)() as session:
            queue.report_progress(session, self.claim, round(0.1 + 0.8 * fraction, 2))


def run_claimed(claim: queue.Claim, settings: Settings) -> str:
    """Process the claimed document and record the outcome.

    Returns ``done``, ``gone`` (erased meanwhile), ``lost`` (another worker took over),
    or after an error outside the pipeline, ``queued`` (retry) / ``failed``.
    """
    from idp.review.learning import learned_hints
    from idp.webhooks import queue_document_event

    preload_libraries()  # before the first job's threads race to import (idp.jobs.warmup)
    factory = get_session_factory(settings)
    store = get_record_store(settings)
    started = time.perf_counter()
    try:
        with factory() as session:
            doc = session.get(Document, claim.document_id)
            if doc is None:
                return "gone"
            options = ProcessingOptions(
                schema_name=doc.schema_name,
                languages=settings.ocr.languages,
                # Label phrasings reviewers taught for this schema (idp.review, issue 5).
                learned_hints=learned_hints(session, doc.schema_name) if doc.schema_name else {},
                **_reviewed_split(doc),
            )
            filename = doc.filename
        data = store.original(claim.document_id)
        with _Heartbeat(claim, settings) as beat:
            result = process_document(
                data, filename, options, settings, doc_id=claim.document_id,
                on_stage=_ProgressReporter(claim, settings),
                page_sink=_page_image_sink(claim.document_id, store),
            )
            record = to_record(result)
            # Users see these; the log keeps the full text.
            record.errors = [public_message(e) for e in record.errors]
            parts = _store_parts(result, store)
            _store_outputs(result, store, record)
        if beat.lost:
            log.warning("job %s was taken over while processing; result dropped", claim.job_id)
            return "lost"
        with factory() as session:
            doc = session.get(Document, claim.document_id)
            if doc is None:
                # Erased while we worked: what we just wrote must not outlive it.
                store.erase(claim.document_id)
                for part in result.parts:
                    store.erase(part.id)
                return "gone"
            if not queue.mark_done(session, claim):
                session.rollback()
                return "lost"
            now = utcnow()
            doc.status = record.status.value
            doc.progress = 1.0
            doc.pages = record.source.pages
            doc.media_type = record.source.media_type or doc.media_type
            doc.errors = list(record.errors)
            doc.completed_at = now
            doc.updated_at = now
            for part_doc in _part_rows(session, store, doc, parts):
                queue_document_event(session, part_doc, "document.completed")
            queue_document_event(session, doc, "document.completed")
            session.commit()
        log.info(
            "document %s %s in %.2fs", claim.document_id, record.status.value,
            time.perf_counter() - started,
        )
        return "done"
    except Exception as exc:
        log.exception("job %s failed", claim.job_id)
        return _record_failure(claim, settings, exc)


def _record_failure(claim: queue.Claim, settings: Settings, exc: Exception) -> str:
    """Queue the job again (an outage: without using an attempt) or fail it.

    When the database itself is down this write fails too; it is tried again for up to
    half a lease, then the error is raised (the job stays claimed until its lease runs out;
    a Celery task is retried by its caller)."""
    error = f"{type(exc).__name__}: {exc}"
    jobs = settings.jobs
    deadline = time.monotonic() + jobs.lease_s / 2
    retries = 0
    while True:
        try:
            with get_session_factory(settings)() as session:
                if is_outage(exc):
                    return queue.requeue_after_outage(
                        session, claim, error, jobs.max_attempts, jobs.max_outage_retries
                    )
                return queue.retry_or_fail(session, claim, error, jobs.max_attempts)
        except Exception as write_exc:
            if not is_outage(write_exc) or time.monotonic() > deadline:
                raise
            log.warning("job %s: the database is unreachable; recording the outcome again "
                        "shortly", claim.job_id)
            time.sleep(min(outage_backoff(retries, first_s=0.5), 5.0))
            retries += 1


def claim_and_run(
    settings: Settings, owner: str, document_id: str | None = None
) -> tuple[queue.Claim | None, str]:
    """Claim one job (any, or that of ``document_id``) and run it."""
    factory = get_session_factory(settings)
    with factory() as session:
        c = queue.claim(
            session,
            owner,
            settings.jobs.lease_s,
            settings.jobs.max_attempts,
            document_id=document_id,
        )
    if c is None:
        return None, "none"
    return c, run_claimed(c, settings)
