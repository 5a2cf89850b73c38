"""API keys: ``idp_<id>_<secret>``, kept only as a hash, each with one role.

The secret is 32 random bytes, so a plain SHA-256 is enough (no password stretching is
needed for a high-entropy secret); comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from idp.db.models import ApiKey, as_utc, utcnow
from idp.errors import AuthError, InputError, NotFoundError
from idp.permissions import Role

KEY_PREFIX = "idp"

__all__ = ["KEY_PREFIX", "Role", "authenticate", "create_key", "list_keys", "revoke_key"]


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(
    session: Session, role: str, name: str = "", expires_in_days: float | None = None
) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the full key string, which is never shown again.
    With ``expires_in_days`` the key stops working after that long."""
    try:
        role = Role(role).value
    except ValueError:
        raise InputError(
            f"unknown role {role!r}; choose one of {', '.join(r.value for r in Role)}"
        ) from None
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    if expires_in_days is not None and not 0 < expires_in_days <= 3650:
        raise InputError("a key's lifetime must be more than 0 and at most 3650 days")
    expires_at = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    row = ApiKey(id=key_id, name=name, role=role, secret_hash=_hash_secret(secret),
                 expires_at=expires_at)
    session.add(row)
    session.flush()
    return row, f"{KEY_PREFIX}_{key_id}_{secret}"


def authenticate(session: Session, presented: str) -> ApiKey:
    """The live key matching ``presented``; ``AuthError`` for anything else."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        raise AuthError("the API key is malformed")
    row = session.get(ApiKey, parts[1])
    expected = row.secret_hash if row is not None else _hash_secret("")
    matches = hmac.compare_digest(expected, _hash_secret(parts[2]))
    if row is None or not matches or row.revoked_at is not None:
        raise AuthError("the API key is unknown or revoked")
    expires_at = as_utc(row.expires_at)
    if expires_at is not None and expires_at <= utcnow():
        raise AuthError("the API key has expired")
    return row


def list_keys(session: Session) -> list[ApiKey]:
    """Every key, oldest first (hashes included; callers decide what to show)."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at)))


def revoke_key(session: Session, key_id: str) -> ApiKey:
    """Revoke a key; it stops working at once. Revoking twice is harmless."""
    row = session.get(ApiKey, key_id)
    if row is None:
        raise NotFoundError(f"no API key with id {key_id!r}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row
