"""A running service for API tests: the real app with its workers, on either back end pair
(local folder + SQLite, or S3 + PostgreSQL), and one key of each role."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from idp.api.main import create_app
from idp.db import get_session_factory
from idp.keys import create_key
from idp.settings import Settings
from tests.fixtures.services import SettingsFactory

ROLES = ("admin", "integrator", "reviewer", "uploader")


def assert_healthy(client: TestClient, after: object = None) -> None:
    """``/healthz`` answers ok and ``/readyz`` ready with database and storage ok; ``after``
    names the hostile input just sent, for the failure message."""
    live = client.get("/healthz")
    assert (live.status_code, live.json()) == (200, {"status": "ok"}), (after, live.text[:300])
    ready = client.get("/readyz")
    assert ready.status_code == 200, (after, ready.status_code, ready.text[:300])
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "storage": "ok"}}, (
        after, ready.text[:300])


class ServiceEnv:
    """The app behind a TestClient, keys by role, and helpers to upload and wait."""

    def __init__(self, settings: Settings, background: bool = True) -> None:
        self.settings = settings
        self.client = TestClient(create_app(settings, background=background))
        self.client.__enter__()
        self.keys: dict[str, str] = {}
        self.key_ids: dict[str, str] = {}
        for role in ROLES:
            self.add_key(role, role)
        self.add_key("uploader2", "uploader")

    def add_key(self, name: str, role: str) -> str:
        with get_session_factory(self.settings).begin() as s:
            row, secret = create_key(s, role, name=name)
        self.keys[name], self.key_ids[name] = secret, row.id
        return secret

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[name]}"}

    def upload(
        self,
        files: list[tuple[str, bytes]],
        as_: str = "uploader",
        schema: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        data = {"schema": schema} if schema else None
        return self.client.post(
            "/v1/documents",
            files=[("files", (name, body, "application/octet-stream")) for name, body in files],
            data=data,
            headers={**self.auth(as_), **(headers or {})},
        )

    def wait(self, doc_id: str, as_: str = "admin", timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            body: dict[str, Any] = self.client.get(
                f"/v1/documents/{doc_id}", headers=self.auth(as_)
            ).json()
            if body["status"] not in ("queued", "processing"):
                return body
            if time.monotonic() > deadline:
                raise AssertionError(f"document {doc_id} still {body['status']}")
            time.sleep(0.2)

    def close(self) -> None:
        self.client.__exit__(None, None, None)


@pytest.fixture(params=["local", pytest.param("scale", marks=[pytest.mark.s3,
                                                              pytest.mark.postgres])])
def api(request: pytest.FixtureRequest, service_settings: SettingsFactory) -> Iterator[ServiceEnv]:
    """The service on each back end pair, with two worker threads."""
    env = ServiceEnv(service_settings(request.param, workers=2, poll_interval_s=0.1))
    try:
        yield env
    finally:
        env.close()


@pytest.fixture
def idle_api(service_settings: SettingsFactory) -> Iterator[ServiceEnv]:
    """The service with no workers (documents stay queued) on the embedded back ends."""
    env = ServiceEnv(service_settings("local", workers=0), background=False)
    try:
        yield env
    finally:
        env.close()
