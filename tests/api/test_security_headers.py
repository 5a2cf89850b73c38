"""Responses that may carry personal data are never cached; no page can be framed; HSTS
over TLS."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from idp.api.main import create_app
from tests.api.conftest import ServiceEnv
from tests.data.pages import TEXT_LINES, text_pdf
from tests.fixtures.services import SettingsFactory


@pytest.fixture
def worked_api(service_settings: SettingsFactory) -> Iterator[ServiceEnv]:
    env = ServiceEnv(service_settings("local", workers=1, poll_interval_s=0.1))
    try:
        yield env
    finally:
        env.close()


def _no_store(headers: dict[str, str] | object, path: str) -> None:
    assert headers["cache-control"] == "no-store", path  # type: ignore[index]
    assert headers["pragma"] == "no-cache", path  # type: ignore[index]
    assert headers["x-content-type-options"] == "nosniff", path  # type: ignore[index]


def test_personal_data_responses_are_not_cached(worked_api: ServiceEnv) -> None:
    api = worked_api
    doc_id = api.upload([("a.pdf", text_pdf([TEXT_LINES[:3]]))]).json()["documents"][0]["id"]
    api.wait(doc_id)
    h = api.auth("admin")
    paths = [
        f"/v1/documents/{doc_id}",
        f"/v1/documents/{doc_id}/record",
        f"/v1/documents/{doc_id}/pages/1",
        f"/v1/documents/{doc_id}/original",
        "/v1/documents",
        f"/v1/review/{doc_id}",
        "/v1/review/queue",
        "/v1/audit",
        "/v1/keys",
        "/v1/webhooks",
        "/v1/documents/nope",  # an error names the id asked for
        "/review",
        "/upload",
        "/sign-in",
    ]
    for path in paths:
        r = api.client.get(path, headers=h, follow_redirects=False)
        assert r.status_code < 500, (path, r.status_code)
        _no_store(r.headers, path)
    assert api.client.get(f"/v1/documents/{doc_id}/record", headers=h).status_code == 200


def test_docs_and_every_page_refuse_framing(idle_api: ServiceEnv) -> None:
    for path in ("/docs", "/openapi.json", "/sign-in", "/healthz", "/v1/documents"):
        r = idle_api.client.get(path)
        assert r.headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"], path
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["referrer-policy"], path
        assert "strict-transport-security" not in r.headers, path  # plain http


def test_static_assets_may_be_cached(idle_api: ServiceEnv) -> None:
    r = idle_api.client.get("/docs-assets/swagger-ui.css")
    assert r.status_code == 200
    assert r.headers.get("cache-control") != "no-store"


def test_hsts_over_tls(service_settings: SettingsFactory) -> None:
    settings = service_settings("local", workers=0)
    with TestClient(create_app(settings, background=False),
                    base_url="https://idp.example") as client:
        r = client.get("/healthz")
        assert r.headers["strict-transport-security"].startswith("max-age=")
    settings = service_settings("local", workers=0)
    settings.api.hsts = True  # TLS ends at a proxy in front
    with TestClient(create_app(settings, background=False)) as client:
        assert "strict-transport-security" in client.get("/healthz").headers


@pytest.mark.parametrize("name", ["%00", "a%00.css", "..%2f..%2fetc%2fpasswd", "%2e%2e",
                                  "app.css%00.js", "x" * 300])
def test_static_names_with_hostile_bytes_are_404(idle_api: ServiceEnv, name: str) -> None:
    r = idle_api.client.get(f"/static/{name}")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"


def test_an_unhandled_error_is_a_500_problem_with_the_headers(
    service_settings: SettingsFactory,
) -> None:
    """Starlette answers unhandled errors outside every middleware; the service answers
    them itself so a 500 is not cacheable and not frameable either."""
    app = create_app(service_settings("local", workers=0), background=False)

    def broken() -> None:
        raise RuntimeError("a bug with /srv/idp/secret/path in its message")

    app.add_api_route("/v1/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/v1/broken")
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["title"] == "Internal error"
    assert "/srv/idp" not in r.text
    _no_store(r.headers, "/v1/broken")
    assert r.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
