"""Every route checks its role: the matrix, cross-key reads, and bad or revoked keys."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from idp.audit.models import AuditEvent
from idp.db import get_session_factory
from tests.api.conftest import ServiceEnv
from tests.data.pages import TEXT_LINES, text_pdf

WHO = ("uploader", "uploader2", "integrator", "reviewer", "admin", None)

# Expected status by caller, for a document uploaded by "uploader". An uploader reading
# another uploader's document gets 404: it must not even learn that the id exists.
READS = {"uploader": 200, "uploader2": 404, "integrator": 200, "reviewer": 200, "admin": 200,
         None: 401}
MATRIX: list[tuple[str, str, dict[str | None, int]]] = [
    ("GET", "/v1/documents/{id}", READS),
    ("GET", "/v1/documents/{id}/record", READS),
    ("GET", "/v1/documents/{id}/original", READS),
    ("GET", "/v1/documents/{id}/pages/1", READS),
    ("GET", "/v1/documents", {**READS, "uploader2": 200}),
    ("GET", "/v1/schemas", {**READS, "uploader2": 200}),
    ("GET", "/v1/schemas/application", {**READS, "uploader2": 200}),
    ("GET", "/v1/keys", {"uploader": 403, "uploader2": 403, "integrator": 403, "reviewer": 403,
                         "admin": 200, None: 401}),
    ("DELETE", "/v1/documents/{id}", {"uploader": 403, "uploader2": 403, "integrator": 403,
                                      "reviewer": 403, None: 401}),
]


@pytest.fixture
def owned(api: ServiceEnv) -> str:
    doc_id = api.upload([("mine.pdf", text_pdf([TEXT_LINES[:3]]))]).json()["documents"][0]["id"]
    api.wait(doc_id)
    return str(doc_id)


def _headers(api: ServiceEnv, who: str | None) -> dict[str, str]:
    return api.auth(who) if who else {}


def test_role_matrix(api: ServiceEnv, owned: str) -> None:
    failures = []
    for method, template, expected in MATRIX:
        for who, status in expected.items():
            r = api.client.request(method, template.format(id=owned), headers=_headers(api, who))
            if r.status_code != status:
                failures.append(f"{method} {template} as {who}: {r.status_code} != {status}")
            elif status >= 400:
                assert r.headers["content-type"] == "application/problem+json"
    assert not failures, "\n".join(failures)
    # Erasure is the admin's alone; run it last.
    r = api.client.delete(f"/v1/documents/{owned}", headers=api.auth("admin"))
    assert r.status_code == 204


def test_upload_roles(api: ServiceEnv) -> None:
    pdf = text_pdf([TEXT_LINES[:2]])
    for who, status in {"uploader": 202, "integrator": 202, "admin": 202, "reviewer": 403,
                        None: 401}.items():
        r = api.client.post(
            "/v1/documents", files=[("files", ("a.pdf", pdf, "application/pdf"))],
            headers=_headers(api, who),
        )
        assert r.status_code == status, who


def test_listing_shows_an_uploader_only_its_own(api: ServiceEnv, owned: str) -> None:
    other = api.client.get("/v1/documents", headers=api.auth("uploader2")).json()
    assert owned not in [d["id"] for d in other["items"]]
    mine = api.client.get("/v1/documents", headers=api.auth("uploader")).json()
    assert owned in [d["id"] for d in mine["items"]]
    everyone = api.client.get("/v1/documents", headers=api.auth("integrator")).json()
    assert owned in [d["id"] for d in everyone["items"]]


def test_keys_api_creates_lists_and_revokes(api: ServiceEnv) -> None:
    for who in ("uploader", "integrator", "reviewer"):
        r = api.client.post("/v1/keys", json={"role": "admin"}, headers=api.auth(who))
        assert r.status_code == 403
    made = api.client.post("/v1/keys", json={"role": "reviewer", "name": "temp"},
                           headers=api.auth("admin"))
    assert made.status_code == 201
    new = made.json()
    assert new["key"].startswith("idp_") and new["role"] == "reviewer"
    listed = api.client.get("/v1/keys", headers=api.auth("admin")).json()
    assert new["id"] in [k["id"] for k in listed]
    assert all("key" not in k and "secret_hash" not in k for k in listed)
    bearer = {"Authorization": f"Bearer {new['key']}"}
    assert api.client.get("/v1/documents", headers=bearer).status_code == 200
    assert api.client.delete(f"/v1/keys/{new['id']}", headers=api.auth("admin")).status_code == 200
    assert api.client.get("/v1/documents", headers=bearer).status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        "Bearer idp_0000000000000000_nope",
        "Bearer not-a-key",
        "Basic dXNlcjpwYXNz",
        "Bearer ",
    ],
)
def test_bad_credentials_are_401_problems_and_audited(api: ServiceEnv, header: str) -> None:
    r = api.client.get("/v1/documents", headers={"Authorization": header})
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["www-authenticate"].startswith("Bearer")
    with get_session_factory(api.settings)() as s:
        actions = s.scalars(select(AuditEvent.action)).all()
    assert "auth.failure" in actions


def test_a_key_with_a_right_id_and_wrong_secret_is_refused(api: ServiceEnv) -> None:
    key_id = api.key_ids["admin"]
    r = api.client.get("/v1/keys", headers={"Authorization": f"Bearer idp_{key_id}_guess"})
    assert r.status_code == 401
