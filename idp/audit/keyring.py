"""The audit key: an HMAC key kept outside the database, so that someone who can write to
the database cannot re-hash an edited chain into one that verifies.

Keys are files ``<key id>.key`` (hex) in ``audit.keys_dir`` (default
``<data_dir>/audit-keys``; in production a mounted secret). ``audit.key_id`` names the key
new events are hashed with; each event records its key id, so rotating means adding a new
file, pointing ``IDP_AUDIT__KEY_ID`` at it and keeping the old files for verification.

The service registers the keyring of its database when it starts (``use_keyring``);
``record_event`` finds it by the session's database URL.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from idp.settings import Settings

KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


@dataclass(frozen=True)
class AuditKeyring:
    """The current key id and every key known (current and retired)."""

    current_id: str
    keys: dict[str, bytes] = field(repr=False)

    def mac(self, key_id: str, message: bytes) -> str:
        """HMAC-SHA256 of ``message`` under key ``key_id`` (``KeyError`` when unknown)."""
        return hmac.new(self.keys[key_id], message, hashlib.sha256).hexdigest()


def keys_dir(settings: Settings) -> Path:
    """Where the audit key files live."""
    return settings.audit.keys_dir or settings.data_dir / "audit-keys"


def load_keyring(settings: Settings, *, create: bool = True) -> AuditKeyring | None:
    """The keyring from ``keys_dir``; the current key file is created (random, mode 0600)
    when missing and ``create`` is set. ``None`` when there is no key and none is made."""
    folder = keys_dir(settings)
    current = settings.audit.key_id
    if not KEY_ID.fullmatch(current):
        raise ValueError(f"audit key id {current!r} must be 1-32 letters, digits, _ or -")
    path = folder / f"{current}.key"
    if not path.exists():
        if not create:
            return None
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")
    keys: dict[str, bytes] = {}
    for file in sorted(folder.glob("*.key")):
        if KEY_ID.fullmatch(file.stem):
            keys[file.stem] = bytes.fromhex(file.read_text().strip())
    return AuditKeyring(current, keys)


_rings: dict[str, AuditKeyring] = {}
_lock = threading.Lock()


def _url_of(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=False)


def use_keyring(database_url: str, ring: AuditKeyring) -> None:
    """Hash events written to ``database_url`` in this process with ``ring``."""
    with _lock:
        _rings[database_url] = ring


def keyring_for(session: Session) -> AuditKeyring | None:
    """The keyring registered for the session's database, if any."""
    with _lock:
        return _rings.get(_url_of(session))


def install_keyring(settings: Settings) -> AuditKeyring:
    """Load (creating if needed) the settings' keyring and register it for their database."""
    ring = load_keyring(settings, create=True)
    assert ring is not None
    use_keyring(settings.resolved_database_url(), ring)
    return ring
