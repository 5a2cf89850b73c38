"""The stage order, written out in one place, and the function every mode calls.

A stage is a small named callable that fills its own part of the ``ProcessingResult``.
The pipeline times each one, records its errors as data and sets the status; an error that
belongs to the whole document (it could not be opened) fails the document, an error on one
page is kept and the rest goes on.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from idp.datamodel import (
    ProcessingOptions,
    ProcessingResult,
    Record,
    RecordStatus,
    Source,
)
from idp.errors import IdpError
from idp.settings import Settings, get_settings

log = logging.getLogger(__name__)

PIPELINE_VERSION = "1"
"""Bumped when a change to the stages changes records; part of every job's idempotency key."""


@dataclass(frozen=True)
class Stage:
    """One named step of the pipeline."""

    name: str
    run: Callable[[ProcessingResult, Settings], None]
    needs_schema: bool = False


def _ingest(result: ProcessingResult, settings: Settings) -> None:
    from idp.ingest import open_document

    doc = open_document(result.transient.pop("data"), result.source.filename, settings.limits)
    result.source.media_type = doc.media_type
    result.source.sha256 = doc.sha256
    result.source.pages = doc.page_count
    result.source.size = doc.size
    result.transient["document"] = doc


def _read(result: ProcessingResult, settings: Settings) -> None:
    from idp.reading import read_pages

    doc = result.transient["document"]
    pages, images = read_pages(doc, result.options, settings, result)
    result.pages = pages
    result.transient["images"] = images


def _layout(result: ProcessingResult, settings: Settings) -> None:
    from idp.layout import analyse_page

    images = result.transient.get("images", {})
    for page in result.pages:
        try:
            analyse_page(page, images.get(page.number))
        except Exception as exc:  # one page's layout failing must not fail the document
            log.exception("layout failed on page %s", page.number)
            result.add_error("layout", f"layout analysis failed: {exc}", page.number)


def _extract(result: ProcessingResult, settings: Settings) -> None:
    from idp.fields import extract_fields

    extract_fields(result, settings)


def _validate(result: ProcessingResult, settings: Settings) -> None:
    from idp.fields import validate_result

    validate_result(result, settings)


def _decide(result: ProcessingResult, settings: Settings) -> None:
    from idp.fields import decide_status

    decide_status(result, settings)


STAGES: list[Stage] = [
    Stage("ingest", _ingest),
    Stage("read", _read),
    Stage("layout", _layout),
    Stage("extract", _extract, needs_schema=True),
    Stage("validate", _validate, needs_schema=True),
    Stage("decide", _decide, needs_schema=True),
]


def process_document(
    data: bytes,
    filename: str,
    options: ProcessingOptions | None = None,
    settings: Settings | None = None,
    doc_id: str | None = None,
    on_stage: Callable[[str, float], None] | None = None,
) -> ProcessingResult:
    """Run every stage on one file. Never raises for a bad document: it fails with a reason.

    ``on_stage(name, fraction_done)`` is told before each stage starts (progress reports).
    """
    settings = settings or get_settings()
    options = options or ProcessingOptions()
    result = ProcessingResult(
        id=doc_id or str(uuid.uuid4()),
        source=Source(filename=filename, size=len(data)),
        options=options,
        schema_name=options.schema_name,
    )
    result.transient["data"] = data
    stages = [st for st in STAGES if options.schema_name or not st.needs_schema]
    for index, stage in enumerate(stages):
        if on_stage is not None:
            try:
                on_stage(stage.name, index / len(stages))
            except Exception:  # a progress report must never fail the document
                log.exception("progress callback failed")
        started = time.perf_counter()
        try:
            stage.run(result, settings)
        except IdpError as exc:
            result.add_error(stage.name, exc.message)
            result.status = RecordStatus.FAILED
        except Exception as exc:  # an engine crash fails this document, not the batch
            log.exception("stage %s failed on %s", stage.name, filename)
            result.add_error(stage.name, f"{type(exc).__name__}: {exc}")
            result.status = RecordStatus.FAILED
        finally:
            result.timings[stage.name] = round(time.perf_counter() - started, 4)
        if result.status == RecordStatus.FAILED:
            break
    if result.status is None:
        # Without a schema nothing is asserted about fields, so nothing needs review.
        result.status = RecordStatus.ACCEPTED
    doc = result.transient.get("document")
    if doc is not None and hasattr(doc, "close"):
        doc.close()
    return result


def to_record(result: ProcessingResult) -> Record:
    """The contract record for a processed document."""
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
        key_values=[kv for page in result.pages for kv in page.key_values],
        errors=result.error_messages(),
        timings=result.timings,
        layout=layout,
    )
