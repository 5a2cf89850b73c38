"""Webhooks cannot reach inside the network, cannot multiply without bound, and a slow
receiver holds neither the database nor other requests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from idp.db import get_session_factory
from idp.db.models import Webhook, WebhookDelivery
from idp.egress import EgressPolicy, EgressRefused, check_url, pinned_target
from tests.api.conftest import ServiceEnv, assert_healthy
from tests.data.pages import TEXT_LINES, text_pdf
from tests.fixtures.services import SettingsFactory

SSRF_URLS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://metadata/",
    "http://[fd00:ec2::254]/latest/",
    "http://10.0.0.5/hook",
    "http://192.168.1.1/hook",
    "http://172.16.0.1/hook",
    "http://100.64.0.1/hook",  # CGNAT
    "http://127.0.0.1/hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://localhost:5432/",
    "http://api.localhost/",
    "http://0.0.0.0/",
    "http://2130706433/",  # decimal 127.0.0.1
    "http://0177.0.0.1/",  # octal
    "http://0x7f.0.0.1/",  # hex
    "http://0x7f000001/",
    "http://127.1/",  # short form
    "http://user:pass@example.com/hook",
    "http://user@example.com/hook",
    "ftp://example.com/hook",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_INFO",
    "http://[fe80::1]/hook",
    "http://224.0.0.1/hook",
]


@pytest.mark.parametrize("url", SSRF_URLS)
def test_internal_destinations_refused_at_registration(idle_api: ServiceEnv, url: str) -> None:
    r = idle_api.client.post("/v1/webhooks", json={"url": url}, headers=idle_api.auth("uploader"))
    assert 400 <= r.status_code < 500, (url, r.status_code, r.text)
    assert r.headers["content-type"] == "application/problem+json"
    with get_session_factory(idle_api.settings)() as s:
        assert s.query(Webhook).count() == 0
    assert_healthy(idle_api.client, url)


def test_allow_list_admits_a_named_network() -> None:
    policy = EgressPolicy.from_entries(["127.0.0.1/32"])
    assert check_url("http://127.0.0.1:8080/h", policy)
    with pytest.raises(EgressRefused):
        check_url("http://127.0.0.2/h", policy)
    with pytest.raises(EgressRefused):
        check_url("http://2130706433/h", policy)  # unusual notation: refused even if allowed


def test_connection_pinned_to_the_checked_address() -> None:
    # "localhost" resolves to loopback: refused by name without an allow-list entry, and
    # when allowed, the request goes to the address that was checked, with the name kept.
    with pytest.raises(EgressRefused):
        pinned_target("http://localhost:9/h", EgressPolicy())
    target = pinned_target("https://localhost:8443/h?x=1", EgressPolicy.from_entries(
        ["localhost"]))
    assert target.url.startswith(("https://127.0.0.1:8443/h?x=1", "https://[::1]:8443/h?x=1"))
    assert target.host_header == "localhost:8443"
    assert target.sni_hostname == "localhost"


def test_delivery_refuses_a_destination_that_became_internal(idle_api: ServiceEnv) -> None:
    """A URL stored before (or a name re-pointed since) is checked again when sent."""
    from idp.webhooks import deliver_due

    settings = idle_api.settings
    with get_session_factory(settings).begin() as s:
        s.add(Webhook(id="h1", owner_key_id=idle_api.key_ids["uploader"],
                      url="http://127.0.0.1:9/h", secret="whsec_AAAA", events=[]))
        s.flush()
        s.add(WebhookDelivery(webhook_id="h1", event_id="msg_1", event_type="document.completed",
                              payload={"type": "document.completed"}))
    assert deliver_due(settings) == 0
    with get_session_factory(settings)() as s:
        d = s.query(WebhookDelivery).one()
        assert d.state == "failed"
        assert (d.last_error or "").startswith("refused:")


def test_webhooks_per_key_limited(idle_api: ServiceEnv) -> None:
    idle_api.settings.webhooks.max_per_key = 3
    h = idle_api.auth("uploader")
    for i in range(3):
        r = idle_api.client.post("/v1/webhooks", json={"url": f"http://x{i}.test/h"}, headers=h)
        assert r.status_code == 201
    r = idle_api.client.post("/v1/webhooks", json={"url": "http://x9.test/h"}, headers=h)
    assert r.status_code == 409
    assert r.headers["content-type"] == "application/problem+json"
    other = idle_api.client.post("/v1/webhooks", json={"url": "http://x9.test/h"},
                                 headers=idle_api.auth("uploader2"))
    assert other.status_code == 201


class SlowReceiver:
    """Accepts each delivery after ``delay`` seconds."""

    def __init__(self, delay: float) -> None:
        self.started = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                self.rfile.read(int(self.headers["content-length"]))
                outer.started.set()
                time.sleep(delay)
                try:
                    self.send_response(204)
                    self.end_headers()
                except OSError:
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def slow_receiver() -> Iterator[SlowReceiver]:
    r = SlowReceiver(delay=8.0)
    yield r
    r.close()


def test_slow_receiver_blocks_neither_requests_nor_job_claims(
    service_settings: SettingsFactory, slow_receiver: SlowReceiver
) -> None:
    settings = service_settings("local", workers=1, poll_interval_s=0.1)
    settings.webhooks.poll_interval_s = 0.05
    settings.webhooks.timeout_s = 6.0
    settings.webhooks.egress_allow = ["127.0.0.1/32"]
    api = ServiceEnv(settings)
    try:
        r = api.client.post("/v1/webhooks", json={"url": slow_receiver.url},
                            headers=api.auth("uploader"))
        assert r.status_code == 201
        first = api.upload([("a.pdf", text_pdf([TEXT_LINES[:3]]))]).json()["documents"][0]["id"]
        # Poll until the receiver sits on the delivery, and for a while after: no request
        # may wait behind it.
        slowest = 0.0
        deadline = time.monotonic() + 60
        quiet_until: float | None = None
        while quiet_until is None or time.monotonic() < quiet_until:
            assert time.monotonic() < deadline, "the receiver never got the event"
            t0 = time.monotonic()
            r = api.client.get(f"/v1/documents/{first}", headers=api.auth("admin"))
            assert r.status_code == 200
            slowest = max(slowest, time.monotonic() - t0)
            if quiet_until is None and slow_receiver.started.is_set():
                quiet_until = time.monotonic() + 3.0
            time.sleep(0.1)
        second = api.upload([("b.pdf", text_pdf([TEXT_LINES[:2]]))])
        assert second.status_code == 202
        doc = api.wait(second.json()["documents"][0]["id"], timeout=60)
        assert doc["status"] == "accepted"  # a worker claimed and finished it meanwhile
        assert slowest < 3.0, f"a request waited {slowest:.1f}s behind a webhook"
    finally:
        api.close()
