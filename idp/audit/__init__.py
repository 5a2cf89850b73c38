"""Audit trail: append-only, hash-chained events for every action on personal data.

Call ``record_event`` inside the same database transaction as the action it records, so
the event exists exactly when the action does. ``verify_chain`` recomputes every hash and
finds an edited, inserted or deleted event.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from idp.audit.keyring import AuditKeyring
    from idp.audit.models import AuditEvent

__all__ = ["ChainReport", "event_hash", "record_event", "verify_chain"]

# Stable key for PostgreSQL's advisory lock that serialises writers of the chain.
_PG_LOCK_KEY = 0x1D9A0D17
_MAX_RETRIES = 8


def event_hash(
    prev_hash: str,
    fields: dict[str, Any],
    keyring: AuditKeyring | None = None,
    key_id: str | None = None,
) -> str:
    """Hash of the previous hash and the event's fields in canonical JSON: HMAC-SHA256
    under the audit key ``key_id`` of ``keyring``, or plain SHA-256 without a key."""
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    message = (prev_hash + "\n" + canonical).encode("utf-8")
    if key_id is not None:
        if keyring is None:
            raise KeyError(key_id)
        return keyring.mac(key_id, message)
    return hashlib.sha256(message).hexdigest()


def _hashed_fields(ev: AuditEvent) -> dict[str, Any]:
    return {
        "seq": ev.seq,
        "at": ev.at,
        "actor": ev.actor,
        "action": ev.action,
        "target_type": ev.target_type,
        "target_id": ev.target_id,
        "details": ev.details,
    }


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record_event(
    session: Session,
    *,
    actor: str,
    action: str,
    target_type: str,
    target_id: str | None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain in the caller's transaction and return it.

    ``actor`` names who acted (``key:<id>``, ``anonymous``, ``system``); ``action`` is a
    verb such as ``document.upload``, ``record.view``, ``review.correct``. ``details`` must
    hold names, never personal-data values (the field name corrected, not its value).
    """
    from idp.audit.keyring import keyring_for
    from idp.audit.models import GENESIS_HASH, AuditEvent

    keyring = keyring_for(session)
    key_id = keyring.current_id if keyring else None
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        # Held to the end of the caller's transaction: one writer extends the chain at a time.
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    clean_details = json.loads(json.dumps(details, default=str)) if details else None
    for _attempt in range(_MAX_RETRIES):
        last = session.execute(
            select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
        ).first()
        seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        ev = AuditEvent(
            seq=seq,
            at=_now(),
            actor=actor,
            action=action,
            target_type=target_type,
            target_id=target_id,
            details=clean_details,
            prev_hash=prev,
            hash="",
            key_id=key_id,
        )
        ev.hash = event_hash(prev, _hashed_fields(ev), keyring, key_id)
        try:
            # A savepoint, so losing a race to another writer does not spoil the caller's
            # transaction; the unique seq/prev_hash make the loser retry on the new head.
            with session.begin_nested():
                session.add(ev)
                session.flush()
        except IntegrityError:
            continue
        return ev
    raise RuntimeError("could not append to the audit chain: too much contention")


@dataclass
class ChainReport:
    """Outcome of ``verify_chain``."""

    ok: bool
    events: int
    head: str
    """Hash of the last event (an anchor to keep elsewhere: it also catches a cut tail)."""
    problems: list[str]
    legacy_events: int = 0
    """Unkeyed events at the start of a keyed chain: written before audit keys existed
    (migration 0003), checked by their plain SHA-256 chain and sealed by the first keyed
    event, whose HMAC covers the link to them."""
    notes: list[str] = field(default_factory=list)
    """What an operator should know that is not a break (the legacy segment)."""


REGISTERED = "registered"
"""``verify_chain``'s default keyring: the one the process registered for the database."""


def verify_chain(
    session: Session,
    *,
    expect_head: str | None = None,
    keyring: AuditKeyring | None | str = REGISTERED,
) -> ChainReport:
    """Recompute every event's hash and link; report each break with its position.

    An edited event changes its own hash; a deleted one leaves a gap in ``seq`` and a
    ``prev_hash`` that points nowhere; an inserted one breaks the link after it. Cutting
    events off the end is only visible against a head kept elsewhere (``expect_head``),
    which ``GET /v1/audit`` and ``idp audit verify`` print.

    With the ``keyring``, every event must be keyed and its HMAC must match: someone with
    database access but not the key cannot edit an event and re-hash the chain after it.
    The one exception is the legacy segment: unkeyed events at the start of the chain,
    written before audit keys existed (a database upgraded past migration 0003). They are
    checked by their plain hashes and accepted only when a keyed event follows them (its
    HMAC covers the link to the last of them, so none can be edited without breaking it);
    an unkeyed event after a keyed one, or a chain with no keyed event at all, is a break.
    Without the keyring (``None``), unkeyed events are checked and keyed ones reported as
    uncheckable. By default, the keyring registered for the session's database is used.
    """
    from idp.audit.keyring import keyring_for

    ring: AuditKeyring | None = (
        keyring_for(session) if keyring == REGISTERED else keyring  # type: ignore[assignment]
    )
    from idp.audit.models import GENESIS_HASH, AuditEvent

    problems: list[str] = []
    prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    seen_heads: set[str] = set()
    legacy: list[int] = []  # seq of unkeyed events before the first keyed one
    keyed_seen = False
    for ev in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).yield_per(500):
        count += 1
        if ev.seq != expected_seq:
            problems.append(f"event {expected_seq}: missing (next is {ev.seq})")
        if ev.prev_hash != prev:
            problems.append(f"event {ev.seq}: does not follow the event before it")
        keyed_seen = keyed_seen or ev.key_id is not None
        if ring is not None and ev.key_id is None and keyed_seen:
            problems.append(f"event {ev.seq}: not keyed (written or re-hashed without the key)")
        else:
            if ring is not None and ev.key_id is None:
                legacy.append(ev.seq)
            try:
                recomputed = event_hash(ev.prev_hash, _hashed_fields(ev), ring, ev.key_id)
            except KeyError:
                problems.append(f"event {ev.seq}: hashed with audit key {ev.key_id!r}, "
                                "which is not available here")
            else:
                if not hmac.compare_digest(recomputed, ev.hash):
                    problems.append(f"event {ev.seq}: contents changed since it was written")
        prev = ev.hash
        seen_heads.add(ev.hash)
        expected_seq = ev.seq + 1
    if expect_head and expect_head not in seen_heads:
        problems.append(f"expected head {expect_head[:12]}… is missing: events were removed")
    notes: list[str] = []
    if legacy:
        span = f"events {legacy[0]}–{legacy[-1]}" if len(legacy) > 1 else f"event {legacy[0]}"
        if keyed_seen:
            notes.append(
                f"{span}: unkeyed legacy segment (written before audit keys, migration 0003); "
                f"checked by plain hashes and sealed by keyed event {legacy[-1] + 1}"
            )
        else:
            problems.append(
                f"{span}: not keyed, and no keyed event follows to seal them (written before "
                "audit keys, or re-hashed without the key); any audited action appends one"
            )
    return ChainReport(ok=not problems, events=count, head=prev, problems=problems,
                       legacy_events=len(legacy) if keyed_seen else 0, notes=notes)
