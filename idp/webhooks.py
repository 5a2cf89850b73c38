"""Signed webhook events (Standard Webhooks), delivered with retries and backoff.

A finished document queues one delivery per interested webhook in the same transaction
that finishes it; a dispatcher thread sends due deliveries. Each request carries
``webhook-id``, ``webhook-timestamp`` and ``webhook-signature: v1,<base64 HMAC-SHA256>`` of
``"{id}.{timestamp}.{body}"`` keyed with the base64-decoded part of the ``whsec_`` secret.
Payloads hold ids and statuses only, never field values.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from idp.db import get_session_factory
from idp.db.models import ApiKey, Document, Webhook, WebhookDelivery, utcnow
from idp.permissions import can_read_all
from idp.settings import Settings

log = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"
EVENT_TYPES = ("document.completed",)
"""Events a webhook can subscribe to."""


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` and 24 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _secret_bytes(secret: str) -> bytes:
    raw = secret.removeprefix(SECRET_PREFIX)
    return base64.b64decode(raw)


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value for one message."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(
    secret: str, headers: dict[str, str], body: bytes, tolerance_s: int = 300
) -> bool:
    """Check a received message's signature and freshness (what a receiver does)."""
    lower = {k.lower(): v for k, v in headers.items()}
    try:
        msg_id = lower["webhook-id"]
        timestamp = int(lower["webhook-timestamp"])
        signatures = lower["webhook-signature"].split()
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance_s:
        return False
    expected = sign(secret, msg_id, timestamp, body)
    return any(hmac.compare_digest(expected, s) for s in signatures)


def _may_see(hook_owner: ApiKey | None, doc: Document) -> bool:
    if hook_owner is None or hook_owner.revoked_at is not None:
        return False
    if can_read_all(hook_owner.role):
        return True
    return hook_owner.id == doc.owner_key_id


def queue_document_event(session: Session, doc: Document, event_type: str) -> int:
    """Queue ``event_type`` about ``doc`` for every webhook whose key may see it."""
    hooks = session.scalars(select(Webhook)).all()
    if not hooks:
        return 0
    now = utcnow()
    payload = {
        "type": event_type,
        "timestamp": now.isoformat().replace("+00:00", "Z"),
        "data": {
            "id": doc.id,
            "status": doc.status,
            "schema": doc.schema_name,
            "record": f"/v1/documents/{doc.id}/record",
        },
    }
    n = 0
    for hook in hooks:
        if hook.events and event_type not in hook.events:
            continue
        owner = session.get(ApiKey, hook.owner_key_id) if hook.owner_key_id else None
        if not _may_see(owner, doc):
            continue
        session.add(
            WebhookDelivery(
                webhook_id=hook.id,
                event_id=f"msg_{uuid.uuid4().hex}",
                event_type=event_type,
                payload=payload,
                next_attempt_at=now,
            )
        )
        n += 1
    return n


def _claim_due(session: Session, owner_lease_s: float, limit: int) -> list[int]:
    now = utcnow()
    due = and_(
        or_(WebhookDelivery.state == "pending", WebhookDelivery.state == "sending"),
        WebhookDelivery.next_attempt_at <= now,
    )
    ids: list[int] = []
    for _ in range(limit):
        sub = (
            select(WebhookDelivery.id)
            .where(due)
            .order_by(WebhookDelivery.id)
            .limit(1)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        row = session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == sub)
            .values(
                state="sending",
                next_attempt_at=now + timedelta(seconds=owner_lease_s),
                attempts=WebhookDelivery.attempts + 1,
            )
            .returning(WebhookDelivery.id)
            .execution_options(synchronize_session=False)
        ).first()
        if row is None:
            break
        ids.append(row.id)
    session.commit()
    return ids


def deliver_due(settings: Settings, limit: int = 50) -> int:
    """Send every due delivery once; returns how many were sent successfully."""
    import httpx

    factory = get_session_factory(settings)
    cfg = settings.webhooks
    with factory() as session:
        ids = _claim_due(session, cfg.timeout_s * 3, limit)
    ok = 0
    for delivery_id in ids:
        with factory() as session:
            d = session.get(WebhookDelivery, delivery_id)
            hook = session.get(Webhook, d.webhook_id) if d else None
            if d is None or hook is None:
                continue
            body = json.dumps(d.payload, separators=(",", ":")).encode()
            ts = int(time.time())
            headers = {
                "content-type": "application/json",
                "webhook-id": d.event_id,
                "webhook-timestamp": str(ts),
                "webhook-signature": sign(hook.secret, d.event_id, ts, body),
            }
            error: str | None = None
            try:
                resp = httpx.post(hook.url, content=body, headers=headers, timeout=cfg.timeout_s)
                if not 200 <= resp.status_code < 300:
                    error = f"HTTP {resp.status_code}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            now = utcnow()
            if error is None:
                d.state = "delivered"
                d.last_error = None
                ok += 1
            else:
                d.last_error = error[:1000]
                if d.attempts >= cfg.max_attempts:
                    d.state = "failed"
                else:
                    d.state = "pending"
                    delay = cfg.backoff_s * 2 ** (d.attempts - 1)
                    d.next_attempt_at = now + timedelta(seconds=delay)
            session.commit()
    return ok


class WebhookDispatcher:
    """A thread that delivers due webhook events every ``interval`` seconds (default from
    settings)."""

    def __init__(self, settings: Settings, interval: float | None = None) -> None:
        self.settings = settings
        self.interval = settings.webhooks.poll_interval_s if interval is None else interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="idp-webhooks", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                deliver_due(self.settings)
            except Exception:
                log.exception("webhook delivery pass failed")

    def start(self) -> None:
        """Start delivering."""
        self._thread.start()

    def stop(self) -> None:
        """Stop after the current pass."""
        self._stop.set()
        self._thread.join(timeout=10)


def describe(hook: Webhook) -> dict[str, Any]:
    """A webhook as the API shows it (the secret only at creation)."""
    return {
        "id": hook.id,
        "url": hook.url,
        "events": list(hook.events or []),
        "created_at": hook.created_at.isoformat() if hook.created_at else None,
    }
