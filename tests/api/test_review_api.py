"""The review queue, audit export and web sign-in through HTTP, with real keys and roles.

Documents and their records are written straight into the service's database and object
store (as a finished job would leave them), so these tests do not wait for OCR.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from idp.api.main import create_app
from idp.audit.models import AuditEvent
from idp.db import get_session_factory
from idp.db.engine import dispose_engines
from idp.db.models import Document
from idp.keys import create_key
from idp.settings import Settings
from idp.storage import get_storage, record_key


class Env:
    """A running app on a fresh data folder, with one key of each role."""

    def __init__(self, tmp_path: Path) -> None:
        self.settings = Settings(data_dir=tmp_path / "data")
        self.settings.jobs.workers = 0
        self.client = TestClient(create_app(self.settings, background=False))
        self.client.__enter__()
        self.keys: dict[str, str] = {}
        self.key_ids: dict[str, str] = {}
        with get_session_factory(self.settings).begin() as s:
            for role in ("admin", "reviewer", "uploader", "integrator"):
                row, secret = create_key(s, role, name=role)
                self.keys[role], self.key_ids[role] = secret, row.id
            row, secret = create_key(s, "reviewer", name="second reviewer")
            self.keys["reviewer2"], self.key_ids["reviewer2"] = secret, row.id

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}

    def add_needs_review(self, doc_id: str, record: dict[str, Any]) -> None:
        with get_session_factory(self.settings).begin() as s:
            s.add(
                Document(
                    id=doc_id, batch_id="b", filename=record["source"]["filename"],
                    sha256="0" * 64, schema_name="application", status="needs_review",
                    owner_key_id=self.key_ids["uploader"],
                )
            )
        get_storage(self.settings).put(record_key(doc_id), json.dumps(record).encode())

    def close(self) -> None:
        self.client.__exit__(None, None, None)
        dispose_engines()


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    e = Env(tmp_path)
    yield e
    e.close()


def record_for(doc_id: str) -> dict[str, Any]:
    return {
        "id": doc_id, "schema": "application", "schema_version": "1", "status": "needs_review",
        "source": {"filename": f"{doc_id}.pdf", "pages": 1},
        "fields": {
            "first_name": {"value": "Margaret", "confidence": 0.96, "valid": True,
                           "errors": [], "page": 1, "bbox": [0.3, 0.1, 0.4, 0.12]},
            "household_size": {"value": None, "text": "4O", "confidence": 0.2, "valid": False,
                               "errors": ["'4O' is not a whole number"], "page": 1,
                               "bbox": [0.3, 0.5, 0.35, 0.52]},
        },
        "key_values": [], "errors": [], "timings": {},
    }


def test_reviewer_claims_corrects_and_approves_through_http(env: Env) -> None:
    env.add_needs_review("doc-1", record_for("doc-1"))
    r = env.client.get("/v1/review/queue", headers=env.auth("reviewer"))
    assert r.status_code == 200
    assert [i["document_id"] for i in r.json()["items"]] == ["doc-1"]

    r = env.client.post("/v1/review/next", headers=env.auth("reviewer"))
    assert r.status_code == 200 and r.json()["document_id"] == "doc-1"
    # A second reviewer is refused the same document and finds nothing else.
    r = env.client.post("/v1/review/doc-1/claim", headers=env.auth("reviewer2"))
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    assert env.client.post("/v1/review/next", headers=env.auth("reviewer2")).status_code == 204

    view = env.client.get("/v1/review/doc-1", headers=env.auth("reviewer")).json()
    assert view["review_order"][0] == "household_size"  # the uncertain field first

    r = env.client.put(
        "/v1/review/doc-1/fields/household_size", json={"value": "0"},
        headers=env.auth("reviewer"),
    )
    assert r.status_code == 200 and r.json()["valid"] is False
    refused = env.client.post("/v1/review/doc-1/approve", headers=env.auth("reviewer"))
    assert refused.status_code == 409 and "household_size" in refused.json()["detail"]
    r = env.client.put(
        "/v1/review/doc-1/fields/household_size", json={"value": " 4 "},
        headers=env.auth("reviewer"),
    )
    assert r.json()["value"] == 4 and r.json()["valid"] is True
    r = env.client.post("/v1/review/doc-1/approve", headers=env.auth("reviewer"))
    assert r.status_code == 200
    record = r.json()
    assert record["status"] == "accepted"
    history = record["fields"]["household_size"]["history"]
    assert [h["action"] for h in history] == ["correct", "correct", "approve"]
    assert history[0]["old_value"] is None and history[0]["new_value"] == 0
    assert history[1]["old_value"] == 0 and history[1]["new_value"] == 4
    assert history[1]["reviewer"] == env.key_ids["reviewer"]


def test_roles_the_review_api_refuses(env: Env) -> None:
    env.add_needs_review("doc-1", record_for("doc-1"))
    for role in ("uploader", "integrator"):
        assert env.client.get("/v1/review/queue", headers=env.auth(role)).status_code == 403
        assert env.client.post("/v1/review/next", headers=env.auth(role)).status_code == 403
    assert env.client.get("/v1/review/queue").status_code == 401


def test_audit_export_is_admin_only_and_holds_no_values(env: Env) -> None:
    env.add_needs_review("doc-1", record_for("doc-1"))
    env.client.post("/v1/review/next", headers=env.auth("reviewer"))
    env.client.get("/v1/review/doc-1", headers=env.auth("reviewer"))
    env.client.put(
        "/v1/review/doc-1/fields/first_name", json={"value": "Marged"},
        headers=env.auth("reviewer"),
    )
    env.client.get("/v1/review/queue", headers={"Authorization": "Bearer idp_nope_nope"})
    for role in ("reviewer", "uploader", "integrator"):
        assert env.client.get("/v1/audit", headers=env.auth(role)).status_code == 403
    r = env.client.get("/v1/audit", headers=env.auth("admin"))
    assert r.status_code == 200
    page = r.json()
    actions = [e["action"] for e in page["events"]]
    assert "review.correct" in actions and "auth.failure" in actions
    assert "record.view" in actions
    assert page["head"] == page["events"][-1]["hash"]
    assert "Marged" not in r.text and "Margaret" not in r.text
    # Pagination by cursor reaches every event once.
    first = env.client.get("/v1/audit?limit=1", headers=env.auth("admin")).json()
    assert len(first["events"]) == 1 and first["next_cursor"] == first["events"][0]["seq"]


def test_web_sign_in_sets_a_safe_cookie_and_needs_csrf_for_changes(env: Env) -> None:
    env.add_needs_review("doc-1", record_for("doc-1"))
    c = env.client
    form = c.get("/sign-in")
    assert form.status_code == 200 and 'lang="en"' in form.text
    token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
    # A wrong key is refused and audited.
    r = c.post("/sign-in", data={"api_key": "idp_x_y", "csrf_token": token, "lang": "en"},
               follow_redirects=False)
    assert r.status_code == 401
    token = r.text.split('name="csrf_token" value="')[1].split('"')[0]
    # Without the sign-in form's token, even the right key is refused.
    r = c.post("/sign-in", data={"api_key": env.keys["reviewer"], "csrf_token": "forged"},
               follow_redirects=False)
    assert r.status_code == 401
    token = r.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = c.post(
        "/sign-in", data={"api_key": env.keys["reviewer"], "csrf_token": token, "lang": "cy"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/review"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    page = c.get("/review")
    assert page.status_code == 200 and 'lang="cy"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    csrf = page.text.split('name="csrf-token" content="')[1].split('"')[0]
    # The cookie works for reads; a change without the CSRF header is refused.
    assert c.get("/v1/review/queue").status_code == 200
    assert c.post("/v1/review/next").status_code == 403
    assert c.post("/v1/review/next", headers={"X-CSRF-Token": csrf}).status_code == 200
    # The uploader page is not for a reviewer key.
    assert c.get("/upload").status_code == 403
    r = c.post("/sign-out", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert c.get("/v1/review/queue").status_code == 401
    with get_session_factory(env.settings)() as s:
        actions = [e.action for e in s.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
    assert actions.count("auth.failure") >= 2 and "auth.sign_in" in actions


def test_static_files_are_served_only_from_the_package(env: Env) -> None:
    assert env.client.get("/static/app.css").status_code == 200
    assert env.client.get("/static/review.js").headers["content-type"].startswith("text/javascript")
    assert env.client.get("/static/..%2Froutes.py").status_code == 404
    assert env.client.get("/static/i18n.py").status_code == 404


def test_a_reviewer_key_cannot_erase_documents_or_create_keys(env: Env) -> None:
    env.add_needs_review("doc-1", record_for("doc-1"))
    r = env.client.delete("/v1/documents/doc-1", headers=env.auth("reviewer"))
    assert r.status_code == 403
    r = env.client.post("/v1/keys", json={"role": "admin"}, headers=env.auth("reviewer"))
    assert r.status_code == 403
    r = env.client.post("/v1/keys", json={"role": "reviewer"}, headers=env.auth("reviewer"))
    assert r.status_code == 403
    assert env.client.get("/v1/keys", headers=env.auth("reviewer")).status_code == 403
    # The document is still there and still waiting for review.
    assert env.client.get("/v1/review/queue", headers=env.auth("reviewer")).json()["items"]


def test_erasure_removes_review_rows_and_keeps_a_value_free_audit_trail(env: Env) -> None:
    from idp.audit import verify_chain
    from idp.review.models import LearnedPhrasing, ReviewCorrection, ReviewItem

    record = record_for("doc-1")
    record["fields"]["email"] = {"value": None, "confidence": 0.0, "valid": False,
                                 "errors": ["required field not found"]}
    record["key_values"] = [{"key": "Electronic mail", "value": "marged@example.org",
                             "confidence": 0.9, "page": 1, "key_bbox": [0.1, 0.3, 0.2, 0.32],
                             "value_bbox": [0.3, 0.3, 0.5, 0.32]}]
    env.add_needs_review("doc-1", record)
    env.client.post("/v1/review/next", headers=env.auth("reviewer"))
    r = env.client.put("/v1/review/doc-1/fields/email", json={"value": "marged@example.org"},
                       headers=env.auth("reviewer"))
    assert r.status_code == 200
    assert env.client.delete("/v1/documents/doc-1", headers=env.auth("admin")).status_code == 204
    with get_session_factory(env.settings)() as s:
        assert s.scalars(select(ReviewCorrection)).all() == []
        assert s.scalars(select(ReviewItem)).all() == []
        # The label learned from it stays (a label, not personal data), unlinked.
        learned = s.scalars(select(LearnedPhrasing)).one()
        assert learned.learned_from is None and learned.phrasing == "Electronic mail"
        events = list(s.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
        assert {"review.correct", "document.erase"} <= {e.action for e in events}
        assert "marged" not in json.dumps([e.details for e in events])
        assert verify_chain(s).ok
    assert env.client.get("/v1/review/doc-1", headers=env.auth("reviewer")).status_code == 404
