"""An upload holding several documents through HTTP (issue 12): each document becomes a
document resource of its own, linked to the upload and listed from it, with its record,
page images and erasure; a reviewer can set the split again and the upload is re-read."""

from __future__ import annotations

import io
import random

import pypdfium2 as pdfium
import pytest
from sqlalchemy import select

from idp.audit.models import AuditEvent
from idp.db import get_session_factory
from idp.review import claims
from idp.storage import document_prefix, get_storage
from tests.api.conftest import ServiceEnv
from tests.synthetic import generate_forms, render_pdf
from tests.synthetic.bundles import letter_pdf, receipt_pdf

pytestmark = pytest.mark.ml


def _bundle() -> bytes:
    rng = random.Random(7)
    form = next(f for f in generate_forms(10, seed="api-bundle", layouts=("inline",))
                if len(pdfium.PdfDocument(render_pdf(f))) == 1)
    merged = pdfium.PdfDocument.new()
    for data in (render_pdf(form), receipt_pdf(rng), letter_pdf(rng, 1)):
        part = pdfium.PdfDocument(data)
        merged.import_pages(part)
        part.close()
    out = io.BytesIO()
    merged.save(out)
    return out.getvalue()


def _documents(api: ServiceEnv, upload_id: str) -> list[dict]:
    got = api.client.get(f"/v1/documents?upload={upload_id}", headers=api.auth("uploader"))
    assert got.status_code == 200
    return got.json()["items"]


def test_each_document_of_an_upload_is_a_resource_linked_to_it(api: ServiceEnv) -> None:
    r = api.upload([("bundle.pdf", _bundle())], schema="application")
    upload_id = r.json()["documents"][0]["id"]
    upload = api.wait(upload_id)
    assert upload["links"]["documents"] == f"/v1/documents?upload={upload_id}"
    record = api.client.get(f"/v1/documents/{upload_id}/record", headers=api.auth("uploader"))
    listed = record.json()["documents"]
    assert [(d["pages"], d["schema"]) for d in listed] == [
        ([1, 1], "application"), ([2, 2], "receipt"), ([3, 3], None)]

    parts = _documents(api, upload_id)
    assert [p["id"] for p in parts] == [d["id"] for d in listed]
    assert [(p["bundle_index"], p["upload_id"], p["pages"]) for p in parts] == [
        (1, upload_id, 1), (2, upload_id, 1), (3, upload_id, 1)]
    assert [p["schema"] for p in parts] == ["application", "receipt", None]
    for part in parts:
        assert part["links"]["upload"] == f"/v1/documents/{upload_id}"
        got = api.client.get(f"/v1/documents/{part['id']}/record", headers=api.auth("uploader"))
        body = got.json()
        assert body["bundle"]["upload_id"] == upload_id
        assert body["document_type"]["confidence"] > 0
        image = api.client.get(f"/v1/documents/{part['id']}/pages/1", headers=api.auth("uploader"))
        assert image.status_code == 200 and image.content[:4] == b"\x89PNG"
    # Another uploader learns nothing of them.
    hidden = api.client.get(f"/v1/documents?upload={upload_id}", headers=api.auth("uploader2"))
    assert hidden.json()["items"] == []
    # The upload itself is never in the review queue: its documents are.
    with get_session_factory(api.settings)() as s:
        assert upload_id not in {e.document_id for e in claims.review_queue(s)}

    # Erasing the upload erases its documents.
    storage = get_storage(api.settings)
    erase = api.client.delete(f"/v1/documents/{upload_id}", headers=api.auth("admin"))
    assert erase.status_code == 204
    for part in parts:
        assert storage.list(document_prefix(part["id"])) == []
        gone = api.client.get(f"/v1/documents/{part['id']}", headers=api.auth("admin"))
        assert gone.status_code == 404


def test_the_openapi_schema_shows_the_split(api: ServiceEnv) -> None:
    spec = api.client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert {"bundle", "document_type", "documents"} <= set(schemas["Record"]["properties"])
    assert {"upload_id", "index", "count", "pages"} <= set(schemas["BundleLink"]["properties"])
    assert {"upload_id", "bundle_index"} <= set(schemas["DocumentOut"]["properties"])
    assert "/v1/review/{document_id}/split" in spec["paths"]
    listing = spec["paths"]["/v1/documents"]["get"]["parameters"]
    assert "upload" in {p["name"] for p in listing}


def test_a_reviewer_sets_the_split_and_the_upload_is_read_again(api: ServiceEnv) -> None:
    r = api.upload([("bundle.pdf", _bundle())], schema="application")
    upload_id = r.json()["documents"][0]["id"]
    api.wait(upload_id)
    first = _documents(api, upload_id)
    assert len(first) == 3

    bad = api.client.put(f"/v1/review/{first[1]['id']}/split", headers=api.auth("reviewer"),
                         json={"documents": [{"pages": [1, 1]}, {"pages": [3, 3]}]})
    assert bad.status_code == 422
    denied = api.client.put(f"/v1/review/{upload_id}/split", headers=api.auth("uploader"),
                            json={"documents": [{"pages": [1, 3]}]})
    assert denied.status_code == 403

    # The receipt and the letter are one supporting document, says the reviewer.
    body = {"documents": [{"pages": [1, 1], "schema": "application"},
                          {"pages": [2, 3], "schema": None}]}
    done = api.client.put(f"/v1/review/{first[2]['id']}/split", headers=api.auth("reviewer"),
                          json=body)
    assert done.status_code == 202, done.text
    api.wait(upload_id)
    after = _documents(api, upload_id)
    assert [(p["bundle_index"], p["pages"], p["schema"]) for p in after] == [
        (1, 1, "application"), (2, 2, None)]
    assert after[0]["id"] == first[0]["id"]  # same place, same document id
    record = api.client.get(f"/v1/documents/{after[1]['id']}/record",
                            headers=api.auth("reviewer")).json()
    assert record["bundle"]["pages"] == [2, 3]
    assert record["document_type"]["corrected_by"] == api.key_ids["reviewer"]
    gone = api.client.get(f"/v1/documents/{first[2]['id']}", headers=api.auth("admin"))
    assert gone.status_code == 404
    with get_session_factory(api.settings)() as s:
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.target_id == upload_id))
        assert "document.split" in set(actions)
