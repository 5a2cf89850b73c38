"""Signed copies of the audit chain's head, kept in object storage.

Cutting events off the end of the chain leaves a chain that verifies; a head recorded
elsewhere catches it. The service writes ``audit/heads/<seq>.json`` every
``audit.head_export_interval_s`` (and ``idp audit export-head`` on demand): the last
event's sequence number and hash, signed with the audit key, so an edited copy is refused.
``idp audit verify`` checks the newest one against the chain.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from idp.audit.keyring import AuditKeyring, install_keyring
from idp.db import get_session_factory
from idp.settings import Settings
from idp.storage import get_storage

log = logging.getLogger(__name__)

PREFIX = "audit/heads/"


@dataclass(frozen=True)
class SignedHead:
    """The chain's last event as exported."""

    seq: int
    head: str
    at: str
    key_id: str
    signature: str

    def message(self) -> bytes:
        """The bytes the signature covers."""
        return f"idp-audit-head\n{self.seq}\n{self.head}\n{self.at}".encode()


def export_head(settings: Settings) -> SignedHead | None:
    """Write a signed copy of the current head to object storage (``None``: no events)."""
    from idp.audit.models import AuditEvent

    ring = install_keyring(settings)
    with get_session_factory(settings)() as session:
        last = session.execute(
            select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
        ).first()
        session.rollback()
    if last is None:
        return None
    at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    unsigned = SignedHead(last[0], last[1], at, ring.current_id, "")
    signed = SignedHead(last[0], last[1], at, ring.current_id,
                        ring.mac(ring.current_id, unsigned.message()))
    body = json.dumps(signed.__dict__, sort_keys=True).encode()
    get_storage(settings).put(f"{PREFIX}{signed.seq:012d}.json", body, "application/json")
    return signed


def latest_head(settings: Settings, ring: AuditKeyring) -> SignedHead | None:
    """The newest exported head whose signature checks out; ``ValueError`` when the newest
    one was tampered with."""
    store = get_storage(settings)
    keys = sorted(store.list(PREFIX))
    if not keys:
        return None
    raw: dict[str, Any] = json.loads(store.get(keys[-1]))
    head = SignedHead(int(raw["seq"]), str(raw["head"]), str(raw["at"]), str(raw["key_id"]),
                      str(raw["signature"]))
    try:
        expected = ring.mac(head.key_id, head.message())
    except KeyError:
        raise ValueError(f"exported head signed with unknown audit key {head.key_id!r}") from None
    import hmac

    if not hmac.compare_digest(expected, head.signature):
        raise ValueError(f"exported head {keys[-1]} has a bad signature")
    return head


class HeadExporter:
    """A thread that exports the signed head every ``audit.head_export_interval_s``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="idp-audit-head", daemon=True)

    def _run(self) -> None:
        interval = self.settings.audit.head_export_interval_s
        while not self._stop.wait(interval):
            try:
                export_head(self.settings)
            except Exception:
                log.exception("exporting the audit head failed")

    def start(self) -> None:
        """Start exporting (not at all when the interval is 0)."""
        if self.settings.audit.head_export_interval_s > 0:
            self._thread.start()

    def stop(self) -> None:
        """Stop, writing one last head."""
        if self._thread.is_alive():
            self._stop.set()
            self._thread.join(timeout=5)
            try:
                export_head(self.settings)
            except Exception:
                log.exception("exporting the audit head failed")
