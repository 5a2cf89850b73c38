"""Webhooks: a real HTTP receiver gets a Standard Webhooks-signed event, after retries."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from idp.webhooks import sign, verify
from tests.api.conftest import ServiceEnv
from tests.data.pages import TEXT_LINES, text_pdf
from tests.fixtures.services import SettingsFactory


class Receiver:
    """An HTTP server that fails the first ``fail_first`` deliveries, then accepts."""

    def __init__(self, fail_first: int) -> None:
        self.fail_first = fail_first
        self.received: list[tuple[dict[str, str], bytes, float]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["content-length"]))
                outer.received.append((dict(self.headers.items()), body, time.monotonic()))
                ok = len(outer.received) > outer.fail_first
                self.send_response(204 if ok else 500)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(fail_first=2)
    yield r
    r.close()


@pytest.fixture
def hook_api(service_settings: SettingsFactory) -> Iterator[ServiceEnv]:
    settings = service_settings("local", workers=1, poll_interval_s=0.1)
    settings.webhooks.backoff_s = 0.4
    settings.webhooks.poll_interval_s = 0.05
    settings.webhooks.egress_allow = ["127.0.0.1/32"]  # the test receivers listen on loopback
    env = ServiceEnv(settings)
    yield env
    env.close()


def test_signed_event_delivered_after_retries(hook_api: ServiceEnv, receiver: Receiver) -> None:
    api = hook_api
    r = api.client.post("/v1/webhooks", json={"url": receiver.url}, headers=api.auth("uploader"))
    assert r.status_code == 201
    secret = r.json()["secret"]
    assert secret.startswith("whsec_")
    # Another uploader's webhook must not hear about this uploader's document.
    other = Receiver(fail_first=0)
    try:
        api.client.post("/v1/webhooks", json={"url": other.url}, headers=api.auth("uploader2"))
        doc_id = api.upload([("a.pdf", text_pdf([TEXT_LINES[:3]]))]).json()["documents"][0]["id"]
        api.wait(doc_id)
        deadline = time.monotonic() + 30
        while len(receiver.received) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert other.received == []
    finally:
        other.close()
    assert len(receiver.received) == 3  # two failures, then delivered; no more after that
    time.sleep(1.5)
    assert len(receiver.received) == 3
    ids = {h["webhook-id"] for h, _, _ in receiver.received}
    assert len(ids) == 1  # retries keep the message id, so receivers can deduplicate
    headers, body, _ = receiver.received[-1]
    assert verify(secret, headers, body)
    assert not verify(secret, headers, body + b" ")
    event = json.loads(body)
    assert event["type"] == "document.completed"
    assert event["data"] == {"id": doc_id, "status": "accepted", "schema": None,
                             "record": f"/v1/documents/{doc_id}/record"}
    gaps = [b[2] - a[2] for a, b in zip(receiver.received, receiver.received[1:], strict=False)]
    assert gaps[1] > gaps[0] * 1.3  # backoff grows


def test_signature_matches_the_standard_webhooks_example() -> None:
    # Test vector from the Standard Webhooks specification's reference libraries.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    msg_id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    ts = 1614265330
    body = b'{"test": 2432232314}'
    assert sign(secret, msg_id, ts, body) == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_webhook_validation_and_ownership(hook_api: ServiceEnv) -> None:
    api = hook_api
    bad = api.client.post("/v1/webhooks", json={"url": "http://x.test/h", "events": ["nope"]},
                          headers=api.auth("uploader"))
    assert bad.status_code == 422
    made = api.client.post("/v1/webhooks", json={"url": "http://x.test/h"},
                           headers=api.auth("uploader")).json()
    assert api.client.get("/v1/webhooks", headers=api.auth("uploader2")).json() == []
    gone = api.client.delete(f"/v1/webhooks/{made['id']}", headers=api.auth("uploader2"))
    assert gone.status_code == 404
    assert api.client.post("/v1/webhooks", json={"url": "http://x.test/h"},
                           headers=api.auth("reviewer")).status_code == 403
    ok = api.client.delete(f"/v1/webhooks/{made['id']}", headers=api.auth("uploader"))
    assert ok.status_code == 204
