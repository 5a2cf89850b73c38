"""Documents through HTTP on both back end pairs: upload → process → record, original,
page images, listing with cursors, Idempotency-Key, erasure."""

from __future__ import annotations

import hashlib
import io
import uuid

from PIL import Image
from sqlalchemy import select

from idp.audit.models import AuditEvent
from idp.db import Job, get_session_factory
from idp.storage import document_prefix, get_storage
from tests.api.conftest import ServiceEnv
from tests.data.pages import TEXT_LINES, image_bytes, text_page, text_pdf


def _pdf(tag: str = "") -> bytes:
    return text_pdf([[*TEXT_LINES[:5], f"Reference {tag or uuid.uuid4().hex[:8]}"]])


def test_upload_is_accepted_then_processed_into_a_record(api: ServiceEnv) -> None:
    pdf = _pdf()
    r = api.upload([("form.pdf", pdf)])
    assert r.status_code == 202
    doc = r.json()["documents"][0]
    assert r.headers["location"] == f"/v1/documents/{doc['id']}"
    assert doc["status"] in ("queued", "processing") and doc["sha256"] == hashlib.sha256(
        pdf
    ).hexdigest()
    # The original is stored before the answer.
    assert get_storage(api.settings).exists(f"documents/{doc['id']}/original")

    done = api.wait(doc["id"], as_="uploader")
    assert done["status"] == "accepted" and done["progress"] == 1.0 and done["pages"] == 1

    record = api.client.get(f"/v1/documents/{doc['id']}/record", headers=api.auth("uploader"))
    assert record.status_code == 200
    body = record.json()
    assert body["id"] == doc["id"] and body["status"] == "accepted"
    assert body["source"]["sha256"] == doc["sha256"] and body["source"]["pages"] == 1
    assert {"fields", "key_values", "errors", "timings"} <= body.keys()
    assert any(kv["key"].lower().startswith("full name") for kv in body["key_values"])

    original = api.client.get(f"/v1/documents/{doc['id']}/original", headers=api.auth("uploader"))
    assert original.content == pdf and original.headers["content-type"] == "application/pdf"

    page = api.client.get(f"/v1/documents/{doc['id']}/pages/1", headers=api.auth("uploader"))
    assert page.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(page.content)).size[0] > 500
    missing = api.client.get(f"/v1/documents/{doc['id']}/pages/2", headers=api.auth("uploader"))
    assert missing.status_code == 404


def test_scanned_image_with_a_schema(api: ServiceEnv) -> None:
    png = image_bytes(text_page(TEXT_LINES[:4], dpi=200).image, "PNG", dpi=200)
    r = api.upload([("scan.png", png)], schema="application")
    assert r.status_code == 202
    doc_id = r.json()["documents"][0]["id"]
    done = api.wait(doc_id)
    assert done["schema"] == "application" and done["media_type"] == "image/png"
    body = api.client.get(f"/v1/documents/{doc_id}/record", headers=api.auth("integrator")).json()
    assert body["schema"] == "application" and body["status"] in ("accepted", "needs_review")
    assert "first_name" in body["fields"]


def test_several_files_make_a_batch(api: ServiceEnv) -> None:
    r = api.upload([(f"f{i}.pdf", _pdf()) for i in range(3)])
    assert r.status_code == 202
    batch = r.json()["batch_id"]
    assert r.headers["location"] == f"/v1/documents?batch={batch}"
    listed = api.client.get(r.headers["location"], headers=api.auth("uploader")).json()
    assert sorted(d["filename"] for d in listed["items"]) == ["f0.pdf", "f1.pdf", "f2.pdf"]
    for d in listed["items"]:
        assert api.wait(d["id"])["status"] == "accepted"


def test_idempotency_key_replays_and_refuses_a_different_body(api: ServiceEnv) -> None:
    pdf = _pdf()
    key = {"Idempotency-Key": f"req-{uuid.uuid4()}"}
    first = api.upload([("a.pdf", pdf)], headers=key)
    again = api.upload([("a.pdf", pdf)], headers=key)
    assert first.status_code == again.status_code == 202
    assert again.headers.get("idempotent-replayed") == "true"
    assert first.json()["documents"][0]["id"] == again.json()["documents"][0]["id"]
    other = api.upload([("a.pdf", _pdf())], headers=key)
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert "Idempotency-Key" in other.json()["detail"]
    # A different API key using the same Idempotency-Key is a different request.
    mine = api.upload([("a.pdf", pdf)], as_="uploader2", headers=key)
    assert mine.json()["documents"][0]["id"] != first.json()["documents"][0]["id"]


def test_cursor_pagination_and_filters(api: ServiceEnv) -> None:
    api.add_key("lister", "uploader")
    ids = []
    for i in range(5):
        r = api.upload([(f"p{i}.pdf", _pdf())], as_="lister")
        ids.append(r.json()["documents"][0]["id"])
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        body = api.client.get("/v1/documents", params=params, headers=api.auth("lister")).json()
        seen += [d["id"] for d in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and sorted(seen) == sorted(ids) and len(set(seen)) == 5
    assert seen == list(reversed(ids))  # newest first
    for doc_id in ids:
        api.wait(doc_id)
    accepted = api.client.get(
        "/v1/documents", params={"status": "accepted"}, headers=api.auth("lister")
    ).json()
    assert len(accepted["items"]) == 5
    none = api.client.get(
        "/v1/documents", params={"schema": "application"}, headers=api.auth("lister")
    ).json()
    assert none["items"] == []


def test_delete_erases_everything_but_the_audit_trail(api: ServiceEnv) -> None:
    r = api.upload([("private.pdf", _pdf())])
    doc_id = r.json()["documents"][0]["id"]
    api.wait(doc_id)
    api.client.get(f"/v1/documents/{doc_id}/record", headers=api.auth("uploader"))
    storage = get_storage(api.settings)
    assert len(storage.list(document_prefix(doc_id))) >= 3  # original, record, page, layout

    erase = api.client.delete(f"/v1/documents/{doc_id}", headers=api.auth("admin"))
    assert erase.status_code == 204
    assert storage.list(document_prefix(doc_id)) == []
    for path in ("", "/record", "/original", "/pages/1"):
        got = api.client.get(f"/v1/documents/{doc_id}{path}", headers=api.auth("admin"))
        assert got.status_code == 404, path
    again = api.client.delete(f"/v1/documents/{doc_id}", headers=api.auth("admin"))
    assert again.status_code == 404
    with get_session_factory(api.settings)() as s:
        assert s.scalars(select(Job).where(Job.document_id == doc_id)).first() is None
        events = s.scalars(select(AuditEvent).where(AuditEvent.target_id == doc_id)).all()
    actions = [e.action for e in events]
    assert {"document.upload", "record.view", "document.erase"} <= set(actions)
    assert all("private.pdf" not in str(e.details) for e in events)


def test_health_readiness_and_openapi(api: ServiceEnv) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    ready = api.client.get("/readyz").json()
    assert ready["checks"] == {"database": "ok", "storage": "ok"}
    spec = api.client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    for path in ("/v1/documents", "/v1/documents/{doc_id}/record", "/v1/schemas/{name}"):
        assert path in spec["paths"]
    docs = api.client.get("/docs")
    assert docs.status_code == 200 and "cdn" not in docs.text.lower()
    assert api.client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200


def test_schemas_are_served_as_json_schema(api: ServiceEnv) -> None:
    listed = api.client.get("/v1/schemas", headers=api.auth("uploader")).json()
    assert "application" in [s["name"] for s in listed["items"]]
    schema = api.client.get("/v1/schemas/application", headers=api.auth("uploader")).json()
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert "date_of_birth" in schema["properties"]
    missing = api.client.get("/v1/schemas/nope", headers=api.auth("uploader"))
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_record_of_a_queued_document_is_a_conflict(idle_api: ServiceEnv) -> None:
    doc_id = idle_api.upload([("q.pdf", _pdf())]).json()["documents"][0]["id"]
    r = idle_api.client.get(f"/v1/documents/{doc_id}/record", headers=idle_api.auth("admin"))
    assert r.status_code == 409 and r.json()["title"] == "Conflict"
