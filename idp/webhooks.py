"""Signed webhook events (Standard Webhooks), delivered with retries and backoff.

A finished document queues one delivery per interested webhook in the same transaction
that finishes it (an outbox); a dispatcher thread claims due deliveries in a short
transaction and sends them outside any transaction, so a slow receiver never holds the
database. Each request carries
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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from idp.db import get_session_factory
from idp.db.models import ApiKey, Document, Webhook, WebhookDelivery, utcnow
from idp.egress import EgressPolicy, EgressRefused, pinned_target
from idp.permissions import can_read_all
from idp.settings import Settings

log = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"
EVENT_TYPES = (
    "document.completed",
    "review.claimed",
    "review.corrected",
    "review.approved",
    "review.rejected",
)
"""Events a webhook can subscribe to: a document processed, and each step of its review
(``review.corrected`` names the field and whether the new value is valid)."""


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


def queue_document_event(
    session: Session, doc: Document, event_type: str, extra: dict[str, Any] | None = None
) -> int:
    """Queue ``event_type`` about ``doc`` for every webhook whose key may see it; ``extra``
    adds to the event's ``data`` (never personal data: names of fields, not values)."""
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
            **(extra or {}),
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


@dataclass(frozen=True)
class _Outgoing:
    """What one send needs, copied out of the database so no transaction stays open."""

    delivery_id: int
    url: str
    secret: str
    event_id: str
    body: bytes


def _load(factory: sessionmaker[Session], delivery_id: int) -> _Outgoing | None:
    with factory() as session:
        d = session.get(WebhookDelivery, delivery_id)
        hook = session.get(Webhook, d.webhook_id) if d else None
        out = None
        if d is not None and hook is not None:
            body = json.dumps(d.payload, separators=(",", ":")).encode()
            out = _Outgoing(d.id, hook.url, hook.secret, d.event_id, body)
        session.commit()  # end the transaction: on SQLite it holds the write lock
    return out


def send_once(out: _Outgoing, settings: Settings) -> str | None:
    """POST one event to its receiver; ``None`` when it answered 2xx, else why not.

    Runs outside any database transaction. The destination is checked against the egress
    policy at connect time and the connection pinned to the checked address; redirects are
    not followed; connect, read and write are bounded by the webhook timeouts.
    """
    import httpx

    cfg = settings.webhooks
    try:
        target = pinned_target(out.url, EgressPolicy.from_entries(cfg.egress_allow))
    except EgressRefused as exc:
        return f"refused: {exc.message}"
    except (OSError, UnicodeError) as exc:
        return f"cannot resolve: {exc}"
    ts = int(time.time())
    headers = {
        "host": target.host_header,
        "content-type": "application/json",
        "user-agent": "idp-webhooks",
        "webhook-id": out.event_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": sign(out.secret, out.event_id, ts, out.body),
    }
    extensions = {"sni_hostname": target.sni_hostname} if target.sni_hostname else None
    timeout = httpx.Timeout(cfg.timeout_s, connect=cfg.connect_timeout_s)
    try:
        # trust_env=False: a proxy from the environment would connect by name, unpinned.
        with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
            request = client.build_request(
                "POST", target.url, content=out.body, headers=headers, extensions=extensions
            )
            resp = client.send(request, stream=True)  # the answer's body is never read
            resp.close()
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    if not 200 <= resp.status_code < 300:
        return f"HTTP {resp.status_code}"
    return None


def _record_outcome(
    factory: sessionmaker[Session], settings: Settings, delivery_id: int, error: str | None
) -> None:
    cfg = settings.webhooks
    with factory() as session:
        d = session.get(WebhookDelivery, delivery_id)
        if d is None:  # the webhook was removed meanwhile
            session.commit()
            return
        if error is None:
            d.state = "delivered"
            d.last_error = None
        else:
            d.last_error = error[:1000]
            if d.attempts >= cfg.max_attempts or error.startswith("refused:"):
                d.state = "failed"
            else:
                d.state = "pending"
                delay = cfg.backoff_s * 2 ** (d.attempts - 1)
                d.next_attempt_at = utcnow() + timedelta(seconds=delay)
        session.commit()


def _deliver_one(factory: sessionmaker[Session], settings: Settings, delivery_id: int) -> bool:
    out = _load(factory, delivery_id)
    if out is None:
        return False
    error = send_once(out, settings)
    _record_outcome(factory, settings, delivery_id, error)
    return error is None


def deliver_due(settings: Settings, limit: int = 50) -> int:
    """Send every due delivery once; returns how many were sent successfully.

    Claiming and recording outcomes are short transactions; the HTTP calls run between
    them, ``webhooks.senders`` at a time, so a slow receiver holds a sender thread only.
    """
    factory = get_session_factory(settings)
    cfg = settings.webhooks
    # A claim is a lease: a sender killed mid-call leaves it to be retried after it.
    lease_s = cfg.connect_timeout_s + cfg.timeout_s * 3 + 5
    with factory() as session:
        ids = _claim_due(session, lease_s, limit)
    if not ids:
        return 0
    workers = max(1, min(cfg.senders, len(ids)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="idp-webhook-send") as pool:
        return sum(pool.map(lambda i: _deliver_one(factory, settings, i), ids))


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
