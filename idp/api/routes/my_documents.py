"""The documents pages: a signed-in key's documents (filters, filename search, pages of 20),
one record in readable form, and exports of the listed records as CSV or JSON.

An uploader sees only what it uploaded; readers of every document see all. Rendered on
the server (the page image's boxes are drawn by ``record.js``), so the list works without
script, survives reloads and links can be shared.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from idp.api.deps import RecordsDep, SessionDep
from idp.api.routes.pages import page_context, render, schemas_for_page, script_json
from idp.audit import record_event
from idp.datamodel.record import Record
from idp.db.models import FINISHED_STATUSES, Document, DocumentStatus, as_utc
from idp.errors import NotFoundError
from idp.permissions import READ_ROLES, can_read_all
from idp.review.models import ReviewItem
from idp.web.i18n import translate_error

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
EXPORT_LIMIT = 1000
STATUSES = [s.value for s in DocumentStatus]


def _parse_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _filters(request: Request) -> dict[str, str]:
    """The list's filters as the query string gives them (unknown values dropped)."""
    q = request.query_params
    out = {
        "status": q.get("status", "") if q.get("status", "") in STATUSES else "",
        "schema": (q.get("schema") or "")[:100],
        "q": (q.get("q") or "").strip()[:200],
        "from": q.get("from", "") if _parse_date(q.get("from")) else "",
        "to": q.get("to", "") if _parse_date(q.get("to")) else "",
    }
    return out


def _query(key_id: str, role: str, filters: dict[str, str]) -> Any:
    stmt = select(Document, ReviewItem).outerjoin(
        ReviewItem, ReviewItem.document_id == Document.id
    )
    if not can_read_all(role):
        stmt = stmt.where(Document.owner_key_id == key_id)
    if filters["status"]:
        stmt = stmt.where(Document.status == filters["status"])
    if filters["schema"]:
        stmt = stmt.where(Document.schema_name == filters["schema"])
    if filters["q"]:
        needle = filters["q"].lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(func.lower(Document.filename).like(f"%{needle}%", escape="\\"))
    start, end = _parse_date(filters["from"]), _parse_date(filters["to"])
    if start:
        stmt = stmt.where(Document.created_at >= datetime.combine(start, time(), UTC))
    if end:
        until = datetime.combine(end + timedelta(days=1), time(), UTC)
        stmt = stmt.where(Document.created_at < until)
    return stmt.order_by(Document.created_at.desc(), Document.id.desc())


def reason_of(doc: Document, item: ReviewItem | None) -> str:
    """Why a document failed: the reviewer's reason for rejecting it, or the first error."""
    if item is not None and item.state == "rejected" and item.reason:
        return item.reason
    if doc.status == DocumentStatus.FAILED.value and doc.errors:
        return str(doc.errors[0])
    return ""


@router.get("/documents")
def documents_page(request: Request, session: SessionDep) -> Response:
    """The key's documents, newest first: filters, search by filename, pages, exports."""
    early, ctx, lang = page_context(request, session, READ_ROLES)
    if early is not None:
        return early
    key = ctx["key"]
    filters = _filters(request)
    try:
        page = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        page = 1
    stmt = _query(key.id, key.role, filters)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.execute(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    schemas = schemas_for_page(lang)
    active = {k: v for k, v in filters.items() if v}
    items = [
        {
            "id": doc.id, "filename": doc.filename, "status": doc.status,
            "schema": schemas.get(doc.schema_name or "", {}).get("title", doc.schema_name or ""),
            "created": as_utc(doc.created_at), "pages": doc.pages,
            "reason": reason_of(doc, item),
        }
        for doc, item in rows
    ]
    pages = max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)
    return render(
        request, "documents.html", lang, items=items, filters=filters, total=total, page=page,
        pages=pages, statuses=STATUSES, schemas=schemas,
        query=urlencode(active),
        prev_url=f"/documents?{urlencode({**active, 'page': page - 1})}" if page > 1 else None,
        next_url=f"/documents?{urlencode({**active, 'page': page + 1})}" if page < pages else None,
        **ctx,
    )


def _visible(session: SessionDep, key: Any, doc_id: str) -> Document:
    doc = session.get(Document, doc_id)
    if doc is None or (not can_read_all(key.role) and doc.owner_key_id != key.id):
        raise NotFoundError("no such document")
    return doc


@router.get("/documents/export.{kind}")
def export(kind: str, request: Request, session: SessionDep, records: RecordsDep) -> Response:
    """The listed documents' records (processed ones, up to 1,000) as CSV or JSON."""
    early, ctx, lang = page_context(request, session, READ_ROLES)
    if early is not None:
        return early
    if kind not in ("csv", "json"):
        raise NotFoundError("export as csv or json")
    key = ctx["key"]
    stmt = _query(key.id, key.role, _filters(request)).where(
        Document.status.in_(FINISHED_STATUSES)
    )
    out: list[tuple[Document, ReviewItem | None, Record | None]] = []
    for doc, item in session.execute(stmt.limit(EXPORT_LIMIT)).all():
        try:
            out.append((doc, item, records.load(doc.id)))
        except NotFoundError:
            out.append((doc, item, None))
    record_event(
        session, actor=f"key:{key.id}", action="record.export", target_type="documents",
        target_id=kind, details={"count": len(out), "via": "web"},
    )
    session.commit()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    if kind == "json":
        body = json.dumps([r.to_json_dict() for _d, _i, r in out if r], ensure_ascii=False)
        media = "application/json"
    else:
        body = _csv(out)
        media = "text/csv; charset=utf-8"
    return Response(
        body, media_type=media,
        headers={"Content-Disposition": f'attachment; filename="documents-{stamp}.{kind}"'},
    )


def _csv(rows: list[tuple[Document, ReviewItem | None, Record | None]]) -> str:
    """One line per document: its metadata, then each field's value (union of fields)."""
    names: list[str] = []
    for _doc, _item, record in rows:
        for name in record.fields if record else []:
            if name not in names:
                names.append(name)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["id", "filename", "schema", "status", "uploaded", "reason", *names])
    for doc, item, record in rows:
        values = []
        for name in names:
            f = record.fields.get(name) if record else None
            value = f.value if f else None
            values.append("" if value is None else value)
        created = as_utc(doc.created_at)
        writer.writerow([
            doc.id, _cell(doc.filename), doc.schema_name or "", doc.status,
            created.isoformat() if created else "", _cell(reason_of(doc, item)),
            *[_cell(v) if isinstance(v, str) else v for v in values],
        ])
    return buf.getvalue()


def _cell(text: str) -> str:
    # A spreadsheet runs a cell that starts with = + - @ as a formula: quote it as text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@router.get("/documents/{doc_id}")
def record_page(
    doc_id: str, request: Request, session: SessionDep, records: RecordsDep
) -> Response:
    """One document's record in readable form: fields, confidence, page image with boxes."""
    early, ctx, lang = page_context(request, session, READ_ROLES)
    if early is not None:
        return early
    key = ctx["key"]
    doc = _visible(session, key, doc_id)
    record = None
    if doc.status in FINISHED_STATUSES:
        try:
            record = records.load(doc.id)
        except NotFoundError:
            record = None
    item = session.get(ReviewItem, doc.id)
    if record is not None:
        record_event(
            session, actor=f"key:{key.id}", action="record.view", target_type="document",
            target_id=doc.id, details={"via": "web"},
        )
        session.commit()
    schema = schemas_for_page(lang).get(doc.schema_name or "", {"title": "", "fields": {}})
    fields = []
    for name, f in (record.fields if record else {}).items():
        spec = schema["fields"].get(name, {})
        fields.append({
            "name": name, "title": spec.get("title") or name.replace("_", " ").capitalize(),
            "value": "" if f.value is None else (
                ("yes" if f.value else "no") if isinstance(f.value, bool) else str(f.value)
            ),
            "confidence": round(f.confidence * 100), "valid": f.valid and not f.errors,
            "errors": [translate_error(lang, e) for e in f.errors], "page": f.page,
            "reviewed": any(h.get("action") == "correct" for h in f.history),
        })
    boxes = [
        {"field": name, "title": fl["title"], "page": f.page or 1, "bbox": f.bbox,
         "valid": fl["valid"]}
        for (name, f), fl in zip((record.fields if record else {}).items(), fields, strict=False)
        if f.bbox
    ]
    return render(
        request, "record.html", lang, doc=doc, record=record, fields=fields,
        schema_title=schema.get("title") or doc.schema_name or "",
        reason=reason_of(doc, item), boxes_json=script_json(boxes),
        record_errors=[translate_error(lang, e) for e in (record.errors if record else [])],
        **ctx,
    )
