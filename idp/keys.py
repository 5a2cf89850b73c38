"""API keys: ``idp_<id>_<secret>``, kept only as a hash, each with one role.

The secret is 32 random bytes, so a plain SHA-256 is enough (no password stretching is
needed for a high-entropy secret); comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from idp.db.models import ApiKey, utcnow
from idp.errors import AuthError, InputError, NotFoundError
from idp.permissions import Role

KEY_PREFIX = "idp"

__all__ = ["KEY_PREFIX", "Role", "authenticate", "create_key", "list_keys", "revoke_key"]


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(session: Session, role: str, name: str = "") -> tuple[ApiKey, str]:
    """Create a key; returns the row and the full key string, which is never shown again."""
    try:
        role = Role(role).value
    except ValueError:
        raise InputError(
            f"unknown role {role!r}; choose one of {', '.join(r.value for r in Role)}"
        ) from None
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    row = ApiKey(id=key_id, name=name, role=role, secret_hash=_hash_secret(secret))
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
