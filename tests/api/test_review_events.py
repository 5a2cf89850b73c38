"""Review through HTTP as an integrator meets it: each step queues a webhook event
(claimed, corrected, approved, rejected), and corrections take the record's own JSON types
(``false`` for a boolean field, a number for a whole number) as well as typed text."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from idp.datamodel.record import Record
from idp.db import get_session_factory
from idp.db.models import Webhook, WebhookDelivery
from idp.webhooks import new_secret
from tests.api.test_review_api import Env, record_for


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    e = Env(tmp_path)
    with get_session_factory(e.settings).begin() as s:
        s.add(Webhook(id="hook-1", owner_key_id=e.key_ids["integrator"],
                      url="https://hooks.example.org/idp", secret=new_secret(), events=[]))
    yield e
    e.close()


def events(env: Env) -> list[tuple[str, dict]]:
    with get_session_factory(env.settings)() as s:
        rows = s.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        return [(r.event_type, r.payload["data"]) for r in rows]


def with_signature(doc_id: str) -> dict:
    record = record_for(doc_id)
    record["fields"]["declaration_signed"] = {
        "value": None, "text": "?", "confidence": 0.2, "valid": False,
        "errors": ["'?' is not yes or no"], "page": 1, "bbox": [0.3, 0.8, 0.4, 0.82],
    }
    return record


def test_review_steps_queue_events(env: Env) -> None:
    env.add_needs_review("doc-1", record_for("doc-1"))
    env.add_needs_review("doc-2", record_for("doc-2"))
    reviewer = env.auth("reviewer")
    assert env.client.post("/v1/review/next", headers=reviewer).json()["document_id"] == "doc-1"
    r = env.client.put("/v1/review/doc-1/fields/household_size", json={"value": "4"},
                       headers=reviewer)
    assert r.status_code == 200
    assert env.client.post("/v1/review/doc-1/approve", headers=reviewer).status_code == 200
    assert env.client.post("/v1/review/doc-2/claim", headers=reviewer).status_code == 200
    r = env.client.post("/v1/review/doc-2/reject", json={"reason": "illegible"},
                        headers=reviewer)
    assert r.status_code == 200
    got = events(env)
    assert [(t, d["id"]) for t, d in got] == [
        ("review.claimed", "doc-1"), ("review.corrected", "doc-1"),
        ("review.approved", "doc-1"), ("review.claimed", "doc-2"), ("review.rejected", "doc-2"),
    ]
    corrected = got[1][1]
    assert corrected["field"] == "household_size" and corrected["valid"] is True
    assert corrected["reviewer"] == env.key_ids["reviewer"]
    assert "4" not in {str(v) for k, v in corrected.items() if k != "reviewer"}  # no values
    assert got[2][1]["status"] == "accepted" and got[4][1]["status"] == "failed"
    # A hook that asks for other events gets none of these.
    hooks = env.client.get("/v1/webhooks", headers=env.auth("integrator"))
    assert hooks.status_code == 200


def test_corrections_take_json_types(env: Env) -> None:
    env.add_needs_review("doc-1", with_signature("doc-1"))
    reviewer = env.auth("reviewer")
    env.client.post("/v1/review/doc-1/claim", headers=reviewer)
    put = lambda field, value: env.client.put(  # noqa: E731
        f"/v1/review/doc-1/fields/{field}", json={"value": value}, headers=reviewer)
    r = put("declaration_signed", False)
    assert r.status_code == 200, r.text
    assert r.json()["value"] is False and r.json()["valid"] is True
    r = put("declaration_signed", "yes")
    assert r.json()["value"] is True
    r = put("declaration_signed", "no")
    assert r.json()["value"] is False
    r = put("household_size", 4)
    assert r.status_code == 200 and r.json()["value"] == 4
    # A JSON type the field does not take is refused, and nothing changes.
    r = put("first_name", True)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "first_name" in r.json()["detail"]
    assert put("first_name", 12).status_code == 422
    assert put("household_size", [4]).status_code == 422
    r = env.client.get("/v1/documents/doc-1/record", headers=reviewer).json()
    assert r["fields"]["first_name"]["value"] == "Margaret"
    # null is refused (the empty text clears a field).
    assert put("household_size", None).status_code == 422
    assert put("household_size", "").json()["value"] is None


def test_openapi_documents_the_record_and_correction_examples(env: Env) -> None:
    spec = env.client.get("/openapi.json").json()
    record = spec["components"]["schemas"]["Record"]
    assert record.get("examples"), "the record schema carries an example"
    example = record["examples"][0]
    assert example["status"] in {"accepted", "needs_review", "failed"}
    assert example["fields"]["date_of_birth"]["value"] == "1985-03-03"
    assert Record.model_validate(example).to_json_dict()["schema"] == "application"
    correction = spec["components"]["schemas"]["Correction"]
    assert {"value": False} in correction["examples"]
    ok = spec["paths"]["/v1/documents/{doc_id}/record"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"]["$ref"].endswith("/Record")
