"""The stage order, written out in one place, and the function every mode calls.

A stage is a small named callable that fills its own part of the ``ProcessingResult``;
what the stages share besides it (bytes, the opened document, engines, the current page
image) is in a ``StageContext`` that is never serialised. The pipeline times each stage,
records its errors as data and sets the status; an error that belongs to the whole
document (it could not be opened) fails the document, an error on one page is kept and
the rest goes on.

The order::

    ingest
    for each page, one at a time:  read → layout → store   (then its image is dropped)
    split                                                   (an upload of several pages)
    classify → extract → reread → validate → decide         (with a schema)
    cleanup                                                 (always, even after a failure)

When the split stage finds several documents in the upload (``idp.split``), the stages
after it run once per document, each on a result of its own that holds only that
document's pages (``ProcessingResult.parts``), with the schema it was found to be.

Page stages are timed summed over pages. ``store`` hands the page to the caller's sink
(``PageSink``: the service writes the page image to object storage) and, when the reread
stage can apply, keeps OCR page images aside on disk; memory holds one page image at a
time plus the few that OCR threads read ahead.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from idp.datamodel import (
    BundleDocument,
    PageSource,
    ProcessingOptions,
    ProcessingResult,
    Record,
    RecordStatus,
    Source,
)
from idp.errors import IdpError, SchemaError
from idp.settings import Settings, get_settings
from idp.stage_context import KeptPageImages, PageSink, PartPageImages, StageContext

log = logging.getLogger(__name__)

PIPELINE_VERSION = "2"
"""Bumped when a change to the stages changes records; part of every job's idempotency key."""


@dataclass(frozen=True)
class Stage:
    """One named step of the pipeline."""

    name: str
    run: Callable[[ProcessingResult, StageContext, Settings], None]
    needs_schema: bool = False


# --- document stages before the pages ---------------------------------------------------


def _ingest(result: ProcessingResult, ctx: StageContext, settings: Settings) -> None:
    from idp.ingest import open_document

    assert ctx.data is not None
    data, ctx.data = ctx.data, None
    doc = open_document(data, result.source.filename, settings.limits)
    ctx.document = doc
    result.source.media_type = doc.media_type
    result.source.sha256 = doc.sha256
    result.source.pages = doc.page_count
    result.source.size = doc.size


# --- page stages, run on one page before the next -----------------------------------------


def _read_page(result: ProcessingResult, ctx: StageContext, settings: Settings) -> None:
    from idp.reading import iter_pages, no_page_read, record_reading

    assert ctx.document is not None
    if ctx.reader is None:
        ctx.reader = iter_pages(ctx.document, result.options, settings)
        if _reread_can_apply(result, settings) or _may_split(result, ctx):
            ctx.kept_images = KeptPageImages()
    reading = next(ctx.reader)
    ctx.page, ctx.page_image = reading.page, reading.image
    ctx.page_errors.append(reading.error)
    result.pages.append(reading.page)
    record_reading(result, reading)
    if len(ctx.page_errors) == ctx.document.page_count:
        failure = no_page_read(ctx.page_errors)
        if failure is not None:
            # Nothing was read: the document's error stands for its pages'.
            result.pages.clear()
            result.errors = [e for e in result.errors if e.stage != "read"]
            raise failure


def _layout_page(result: ProcessingResult, ctx: StageContext, settings: Settings) -> None:
    from idp.layout import analyse_page

    assert ctx.page is not None
    try:
        analyse_page(ctx.page, ctx.page_image, possible_pairs=bool(result.schema_name))
    except Exception as exc:  # one page's layout failing must not fail the document
        log.exception("layout failed on page %s", ctx.page.number)
        result.add_error("layout", f"layout analysis failed: {exc}", ctx.page.number)


def _store_page(result: ProcessingResult, ctx: StageContext, settings: Settings) -> None:
    page, image = ctx.page, ctx.page_image
    assert page is not None
    if ctx.page_sink is not None:
        try:
            ctx.page_sink(page, image)
        except Exception as exc:
            ctx.sink_failure = exc
            raise
    if image is not None and ctx.kept_images is not None and page.source == PageSource.OCR:
        ctx.kept_images.keep(page.number, image)
    ctx.page_image = None


# --- document stages after the pages ----------------------------------------------------


def _split(result: ProcessingResult, ctx: StageContext, settings: Settings) -> None:
    from idp.engines.embedder import get_embedder
    from idp.schemas import load_schemas
    from idp.split import find_parts, part_result

    if not result.options.split or len(result.pages) < 2:
        return
    parts = find_parts(result, load_schemas(settings), embedder=get_embedder)
    if len(parts) > 1:
        count = len(parts)
        result.parts = [part_result(result, p, i, count) for i, p in enumerate(parts, start=1)]


def _extract(result: ProcessingResult, ctx: StageContext, settings: Settings) -> None:
    from idp.fields import extract_fields

    extract_fields(result, settings)


def _classify(result: ProcessingResult, ctx: StageContext, settings: Settings) -> None:
    from idp.fields import classify_result

    classify_result(result, settings)


def _reread(result: ProcessingResult, ctx: StageContext, settings: Settings) -> None:
    from idp.fields import reread_fields
    from idp.schemas import load_schema

    if not result.schema_name or ctx.kept_images is None or not len(ctx.kept_images):
        return
    schema = load_schema(result.schema_name, settings)
    reread_fields(result, schema, ctx.kept_images.load, settings)


def _validate(result: ProcessingResult, ctx: StageContext, settings: Settings) -> None:
    from idp.fields import validate_result

    validate_result(result, settings)


def _decide(result: ProcessingResult, ctx: StageContext, settings: Settings) -> None:
    from idp.fields import decide_status

    decide_status(result, settings)


def _cleanup(result: ProcessingResult, ctx: StageContext, settings: Settings) -> None:
    try:
        ctx.close()
    except Exception:  # letting go failed: the document's outcome stands
        log.exception("cleanup failed on %s", result.source.filename)


BEFORE_PAGES: list[Stage] = [Stage("ingest", _ingest)]
SPLIT = Stage("split", _split)
PAGE_STAGES: list[Stage] = [
    Stage("read", _read_page),
    Stage("layout", _layout_page),
    Stage("store", _store_page),
]
AFTER_PAGES: list[Stage] = [
    Stage("classify", _classify, needs_schema=True),
    Stage("extract", _extract, needs_schema=True),
    Stage("reread", _reread, needs_schema=True),
    Stage("validate", _validate, needs_schema=True),
    Stage("decide", _decide, needs_schema=True),
]
CLEANUP = Stage("cleanup", _cleanup)


def _reread_can_apply(result: ProcessingResult, settings: Settings) -> bool:
    """Whether OCR page images must be kept for the reread stage."""
    from idp.fields.reread import wants_page_images
    from idp.schemas import load_schema

    if not result.schema_name:
        return False
    try:
        return wants_page_images(load_schema(result.schema_name, settings))
    except SchemaError:  # the extract stage reports it
        return False


def _may_split(result: ProcessingResult, ctx: StageContext) -> bool:
    """Whether the upload may hold several documents, whose schemas may want page images."""
    return bool(
        result.options.split and ctx.document is not None and ctx.document.page_count > 1
    )


def _run_after_pages(
    result: ProcessingResult, ctx: StageContext, settings: Settings,
    report: Callable[[str, float], None], share: tuple[int, int] = (0, 1),
) -> None:
    """The stages after the pages on one document (with a schema, all of them); progress
    runs from 0.8 to 1 over ``share`` = (this document's index from 0, documents)."""
    after = [st for st in AFTER_PAGES if result.schema_name or not st.needs_schema]
    done, count = share
    for position, stage in enumerate(after):
        report(stage.name, 0.8 + 0.2 * (done + position / len(after)) / count)
        if not _run(stage, result, ctx, settings):
            break


def _run_parts(
    result: ProcessingResult, ctx: StageContext, settings: Settings,
    report: Callable[[str, float], None],
) -> None:
    """Each document of a bundle through the stages after the pages, on its own pages; the
    upload's status is the least good of its documents' (failed only if all failed)."""
    for done, part in enumerate(result.parts):
        assert part.bundle is not None
        first, last = part.bundle.pages
        kept = PartPageImages(ctx.kept_images, first, last) if ctx.kept_images else None
        share = (done, len(result.parts))
        _run_after_pages(part, StageContext(kept_images=kept), settings, report, share)
        if part.status is None:
            part.status = (
                RecordStatus.NEEDS_REVIEW if part.review_reasons else RecordStatus.ACCEPTED
            )
    statuses = {part.status for part in result.parts}
    for part in result.parts:
        result.review_reasons += [r for r in part.review_reasons if r not in result.review_reasons]
    if statuses == {RecordStatus.FAILED}:
        result.status = RecordStatus.FAILED
    elif statuses != {RecordStatus.ACCEPTED}:
        result.status = RecordStatus.NEEDS_REVIEW
    else:
        result.status = RecordStatus.ACCEPTED


def _run(stage: Stage, result: ProcessingResult, ctx: StageContext, settings: Settings) -> bool:
    """Run one stage, add its seconds to ``result.timings[stage.name]``, and turn what it
    raises into an error on the result and a failed status. False when it failed."""
    started = time.perf_counter()
    try:
        stage.run(result, ctx, settings)
        return True
    except IdpError as exc:
        result.add_error(stage.name, exc.message)
    except Exception as exc:  # an engine crash fails this document, not the batch
        log.exception("stage %s failed on %s", stage.name, result.source.filename)
        result.add_error(stage.name, f"{type(exc).__name__}: {exc}")
    finally:
        seconds = time.perf_counter() - started
        result.timings[stage.name] = round(result.timings.get(stage.name, 0.0) + seconds, 4)
    result.status = RecordStatus.FAILED
    return False


def process_document(
    data: bytes,
    filename: str,
    options: ProcessingOptions | None = None,
    settings: Settings | None = None,
    doc_id: str | None = None,
    on_stage: Callable[[str, float], None] | None = None,
    page_sink: PageSink | None = None,
) -> ProcessingResult:
    """Run every stage on one file. Never raises for a bad document: it fails with a reason.

    ``on_stage(name, fraction_done)`` is told before each document stage starts and before
    each page is read (progress reports). ``page_sink(page, image)`` is given each page as
    soon as it is laid out, in order (see ``PageSink``); an exception from it is the
    caller's and is raised again once the document has been cleaned up.
    """
    settings = settings or get_settings()
    options = options or ProcessingOptions()
    result = ProcessingResult(
        id=doc_id or str(uuid.uuid4()),
        source=Source(filename=filename, size=len(data)),
        options=options,
        schema_name=options.schema_name,
    )
    ctx = StageContext(data=data, page_sink=page_sink)

    def report(name: str, fraction: float) -> None:
        if on_stage is None:
            return
        try:
            on_stage(name, fraction)
        except Exception:  # a progress report must never fail the document
            log.exception("progress callback failed")

    try:
        ok = True
        for stage in BEFORE_PAGES:
            report(stage.name, 0.0)
            ok = _run(stage, result, ctx, settings)
            if not ok:
                break
        page_count = ctx.document.page_count if ok and ctx.document is not None else 0
        for index in range(page_count):
            report(PAGE_STAGES[0].name, 0.05 + 0.75 * index / page_count)
            for stage in PAGE_STAGES:
                ok = _run(stage, result, ctx, settings)
                if not ok:
                    break
            if not ok:
                break
        if ok and options.split and len(result.pages) > 1:
            report(SPLIT.name, 0.8)
            ok = _run(SPLIT, result, ctx, settings)
        if ok and result.parts:
            _run_parts(result, ctx, settings, report)
        elif ok:
            _run_after_pages(result, ctx, settings, report)
    finally:
        _run(CLEANUP, result, ctx, settings)
    if ctx.sink_failure is not None:
        raise ctx.sink_failure
    if result.status is None:
        # Without a schema nothing is asserted about fields, so nothing needs review.
        result.status = RecordStatus.ACCEPTED
    return result


def to_records(result: ProcessingResult) -> list[Record]:
    """The contract records of a processed upload: one per document it holds, in page order
    (just the upload's own when it is one document)."""
    if result.parts:
        return [to_record(part) for part in result.parts]
    return [to_record(result)]


def to_record(result: ProcessingResult) -> Record:
    """The contract record for a processed document (for an upload of several, the
    upload's own record: no fields, its ``documents`` listed)."""
    layout = None
    if result.options.include_layout:
        layout = {
            "pages": [
                page.model_dump(mode="json", exclude={"key_values"}) for page in result.pages
            ]
        }
    return Record(
        id=result.id,
        schema=result.schema_name,
        schema_version=result.schema_version,
        status=result.status or RecordStatus.FAILED,
        source=result.source,
        fields=result.fields,
        # An upload of several documents: its documents' records hold fields and pairs.
        key_values=[] if result.parts else [kv for pg in result.pages for kv in pg.key_values],
        errors=result.error_messages(),
        review_reasons=result.review_reasons,
        classification=result.classification,
        timings=result.timings,
        layout=layout,
        bundle=result.bundle,
        document_type=result.document_type,
        documents=[
            BundleDocument(
                id=part.id, index=part.bundle.index, pages=part.bundle.pages,
                schema=part.schema_name,
                confidence=part.document_type.confidence if part.document_type else 0.0,
                split_confidence=(
                    part.document_type.split_confidence if part.document_type else 1.0
                ),
                status=(part.status or RecordStatus.FAILED).value,
            )
            for part in result.parts if part.bundle is not None
        ] or None,
    )
