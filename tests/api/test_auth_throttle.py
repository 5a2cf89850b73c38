"""Guessing keys is throttled; keys can expire and record their last use; slow clients
cannot hold connections (header and body deadlines of the real server)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import select

from idp.api.main import create_app
from idp.api.server import server_options
from idp.api.throttle import AuthThrottle, TooManyAttemptsError
from idp.audit.models import AuditEvent
from idp.db import get_session_factory
from idp.db.models import ApiKey, utcnow
from idp.settings import Settings
from tests.api.test_review_api import Env
from tests.fixtures.services import free_ports


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    e = Env(tmp_path)
    yield e
    e.close()


def _actions(env: Env, action: str) -> int:
    with get_session_factory(env.settings)() as s:
        return len(s.scalars(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_repeated_failures_lock_the_address_out_with_retry_after(env: Env) -> None:
    bad = {"Authorization": "Bearer idp_0123456789abcdef_wrong"}
    for _ in range(env.settings.api.auth_max_failures):
        assert env.client.get("/v1/documents", headers=bad).status_code == 401
    refused = env.client.get("/v1/documents", headers=bad)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["retry-after"]) <= env.settings.api.auth_lockout_s
    failures = _actions(env, "auth.failure")
    for _ in range(20):  # a locked-out flood writes no more audit rows
        assert env.client.get("/v1/documents", headers=bad).status_code == 429
    assert _actions(env, "auth.failure") == failures
    assert _actions(env, "auth.lockout") == 1
    # Even the right key waits out the lockout from this address.
    assert env.client.get("/v1/documents", headers=env.auth("admin")).status_code == 429


def test_the_sign_in_form_is_throttled_too(env: Env) -> None:
    for _ in range(env.settings.api.auth_max_failures + 1):
        form = env.client.get("/sign-in")
        token = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        r = env.client.post("/sign-in", data={"api_key": "idp_abc_wrong", "csrf_token": token},
                            follow_redirects=False)
    assert r.status_code == 429
    assert "retry-after" in r.headers


def test_key_id_lockout_is_separate_from_the_address() -> None:
    throttle = AuthThrottle(max_failures=3, window_s=60, lockout_s=30)
    for i in range(3):
        throttle.failed([f"addr:10.0.0.{i}", "key:abc"], now=100.0 + i)
    with pytest.raises(TooManyAttemptsError) as info:
        throttle.check(["addr:10.0.0.9", "key:abc"], now=103.0)
    assert info.value.retry_after == 29
    throttle.check(["addr:10.0.0.9", "key:other"], now=103.0)  # others unaffected
    throttle.check(["addr:10.0.0.9", "key:abc"], now=133.0)  # the lockout ends
    throttle.failed(["key:x"], now=0.0)
    throttle.failed(["key:x"], now=100.0)  # outside the window: the count starts again
    throttle.check(["key:x"], now=100.0)


def test_expired_keys_are_refused_and_last_use_is_kept(env: Env) -> None:
    r = env.client.post("/v1/keys", json={"role": "uploader", "expires_in_days": 1},
                        headers=env.auth("admin"))
    assert r.status_code == 201
    made = r.json()
    assert made["expires_at"] is not None
    h = {"Authorization": f"Bearer {made['key']}"}
    assert env.client.get("/v1/documents", headers=h).status_code == 200
    with get_session_factory(env.settings)() as s:
        row = s.get(ApiKey, made["id"])
        assert row is not None and row.last_used_at is not None
        first_use = row.last_used_at
    assert env.client.get("/v1/documents", headers=h).status_code == 200
    with get_session_factory(env.settings).begin() as s:
        row = s.get(ApiKey, made["id"])
        assert row is not None
        assert row.last_used_at == first_use  # not rewritten within the minute
        row.expires_at = utcnow() - timedelta(seconds=1)
    r = env.client.get("/v1/documents", headers=h)
    assert r.status_code == 401 and "expired" in r.json()["detail"]
    bad = env.client.post("/v1/keys", json={"role": "uploader", "expires_in_days": -1},
                          headers=env.auth("admin"))
    assert bad.status_code == 422


class RunningServer:
    """The app under the real uvicorn server, with the service's own deadlines."""

    def __init__(self, settings: Settings) -> None:
        self.port = free_ports(1)[0]
        config = uvicorn.Config(create_app(settings, background=False), host="127.0.0.1",
                                port=self.port, log_level="warning", lifespan="on",
                                **server_options(settings))
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    settings = Settings(data_dir=tmp_path / "data")
    settings.jobs.workers = 0
    settings.api.header_timeout_s = 1.0
    settings.api.body_timeout_s = 1.5
    s = RunningServer(settings)
    yield s
    s.close()


def _closed_within(sock: socket.socket, seconds: float) -> tuple[bool, bytes]:
    sock.settimeout(seconds)
    received = b""
    try:
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                return True, received
            received += chunk
    except TimeoutError:
        return False, received


def test_slow_headers_do_not_hold_connections(server: RunningServer) -> None:
    socks = []
    for _ in range(10):
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # never finished
        socks.append(sock)
    try:
        for sock in socks:
            closed, _ = _closed_within(sock, 5.0)
            assert closed, "a connection with unfinished headers stayed open"
    finally:
        for sock in socks:
            sock.close()
    # A normal request still works, and keep-alive between requests is unaffected.
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")


def test_slow_body_gets_408(server: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"POST /v1/webhooks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                     b"\r\nContent-Length: 1000\r\n\r\n{\"url\":")
        closed, answer = _closed_within(sock, 10.0)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
