"""``/v1/keys``: API keys (admin only). The full key is shown once, at creation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from idp.api.deps import AdminKey, SessionDep, actor_of, audit
from idp.api.problems import PROBLEM_RESPONSES
from idp.db.models import ApiKey, as_utc
from idp.keys import create_key, list_keys, revoke_key
from idp.permissions import Role

router = APIRouter(prefix="/v1/keys", tags=["keys"], responses=PROBLEM_RESPONSES)


class KeyIn(BaseModel):
    """A key to create."""

    role: Role
    name: str = Field(default="", max_length=200)
    expires_in_days: float | None = Field(default=None, gt=0, le=3650)
    """The key stops working after this many days (never, when left out)."""


class KeyOut(BaseModel):
    """A key as listed: never its secret."""

    id: str
    name: str
    role: str
    created_at: datetime
    revoked_at: datetime | None
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    """Last successful authentication, to the minute."""


class NewKeyOut(KeyOut):
    """A new key, with the full secret shown this once."""

    key: str


def _out(row: ApiKey) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "role": row.role,
        "created_at": as_utc(row.created_at),
        "revoked_at": as_utc(row.revoked_at),
        "expires_at": as_utc(row.expires_at),
        "last_used_at": as_utc(row.last_used_at),
    }


@router.post("", status_code=201, response_model=NewKeyOut, summary="Create an API key")
def create(body: KeyIn, session: SessionDep, key: AdminKey) -> Any:
    """Returns the key once; only its hash is kept."""
    row, secret = create_key(session, body.role.value, body.name, body.expires_in_days)
    audit(session, actor=actor_of(key), action="key.create", target_type="api_key",
          target_id=row.id, details={"role": row.role})
    session.commit()
    return {**_out(row), "key": secret}


@router.get("", response_model=list[KeyOut], summary="List API keys")
def list_all(session: SessionDep, key: AdminKey) -> Any:
    """Every key, oldest first, without secrets."""
    rows = [_out(r) for r in list_keys(session)]
    audit(session, actor=actor_of(key), action="key.list", target_type="api_key",
          target_id=None)
    session.commit()
    return rows


@router.delete("/{key_id}", response_model=KeyOut, summary="Revoke an API key")
def revoke(
    key_id: Annotated[str, Path(max_length=32)], session: SessionDep, key: AdminKey
) -> Any:
    """The key stops working at once."""
    row = revoke_key(session, key_id)
    audit(session, actor=actor_of(key), action="key.revoke", target_type="api_key",
          target_id=row.id)
    session.commit()
    return _out(row)
