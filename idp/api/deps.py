"""Typed dependency aliases for routes: settings, session, storage, the calling key, roles."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import update
from sqlalchemy.orm import Session

from idp.api.throttle import AuthThrottle, subjects_of
from idp.db import get_session_factory
from idp.db.models import ApiKey, as_utc, utcnow
from idp.errors import AuthError, ForbiddenError, IdpError
from idp.keys import authenticate
from idp.permissions import (
    ADMIN_ROLES,
    INTEGRATE_ROLES,
    READ_ROLES,
    REVIEW_ROLES,
    UPLOAD_ROLES,
    Role,
)
from idp.permissions import can_read_all as _role_reads_all
from idp.settings import Settings
from idp.storage import ObjectStore, RecordStore, get_storage

log = logging.getLogger(__name__)

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer idp_…`")

KeyResolver = Callable[[Request, Session], ApiKey | None]
"""Another way to find the calling key (the web pages' session cookie), tried when a request
carries no ``Authorization`` header. A resolver returns the key, ``None``, or raises. The
app lists its resolvers in ``app.state.key_resolvers`` (``idp.api.main`` wires them)."""


def key_resolvers(request: Request) -> list[KeyResolver]:
    """The resolvers the app was built with (none: bearer keys only)."""
    resolvers: list[KeyResolver] = getattr(request.app.state, "key_resolvers", [])
    return resolvers


def get_app_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def get_session(settings: SettingsDep) -> Iterator[Session]:
    """A database session for one request; routes commit what they change explicitly."""
    session = get_session_factory(settings)()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def get_object_store(settings: SettingsDep) -> ObjectStore:
    """The configured object store."""
    return get_storage(settings)


StorageDep = Annotated[ObjectStore, Depends(get_object_store)]


def get_records(storage: StorageDep) -> RecordStore:
    """Documents' objects (original, page images, layout, record) in the configured store."""
    return RecordStore(storage)


RecordsDep = Annotated[RecordStore, Depends(get_records)]


def audit(
    session: Session,
    *,
    actor: str,
    action: str,
    target_type: str,
    target_id: str | None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append an audit event in the caller's transaction (names only, never personal data)."""
    from idp.audit import record_event

    record_event(
        session,
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=details,
    )


def actor_of(key: ApiKey) -> str:
    """How an audit event names the key that acted."""
    return f"key:{key.id}"


def _record_auth_failure(
    settings: Settings, request: Request, reason: str, action: str = "auth.failure"
) -> None:
    # A separate transaction: the request itself is refused, the event must stay.
    try:
        with get_session_factory(settings)() as session:
            audit(
                session,
                actor="anonymous",
                action=action,
                target_type="api",
                target_id=request.url.path[:200],
                details={"reason": reason},
            )
            session.commit()
    except Exception:  # auditing must not turn a 401 into a 500
        log.exception("could not record an authentication failure")


def auth_throttle(request: Request) -> AuthThrottle:
    """The app's failed-authentication counter (created on first use)."""
    throttle: AuthThrottle | None = getattr(request.app.state, "auth_throttle", None)
    if throttle is None:
        cfg = request.app.state.settings.api
        throttle = AuthThrottle(cfg.auth_max_failures, cfg.auth_window_s, cfg.auth_lockout_s)
        request.app.state.auth_throttle = throttle
    return throttle


LAST_USED_GRANULARITY = timedelta(minutes=1)
"""``last_used_at`` is written at most this often per key (a write per request would
serialise every request on SQLite)."""


def _note_use(session: Session, key: ApiKey) -> None:
    now = utcnow()
    last = as_utc(key.last_used_at)
    if last is None or now - last >= LAST_USED_GRANULARITY:
        session.execute(
            update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )
        key.last_used_at = now


def get_current_key(
    request: Request,
    settings: SettingsDep,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiKey:
    """The live API key of the caller; ``401`` problem for none, a bad, revoked or expired
    one; ``429`` with ``Retry-After`` while the client address or key id is locked out after
    repeated failures."""
    throttle = auth_throttle(request)
    subjects = subjects_of(
        request.client.host if request.client else None,
        credentials.credentials if credentials else None,
    )
    if credentials is not None or request.headers.get("authorization"):
        throttle.check(subjects)
    try:
        if credentials is None:
            for resolver in key_resolvers(request):
                found = resolver(request, session)
                if found is not None:
                    session.commit()  # see below: no transaction left open
                    return found
            if request.headers.get("authorization"):
                raise AuthError("the Authorization header must be `Bearer <API key>`")
            raise AuthError("an API key is required: `Authorization: Bearer <key>`")
        key = authenticate(session, credentials.credentials)
        _note_use(session, key)
        # End the read transaction now (keys stay loaded): on SQLite every transaction holds
        # the write lock, and a route may do slow work (storing uploads) before writing.
        session.commit()
        return key
    except AuthError as exc:
        # End the request's transaction first: on SQLite it holds the write lock (BEGIN
        # IMMEDIATE) and the audit write below would wait on it until "database is locked".
        session.rollback()
        locked = throttle.failed(subjects)
        _record_auth_failure(settings, request, exc.message)
        if locked:
            _record_auth_failure(settings, request, "locked out: " + ", ".join(locked),
                                 action="auth.lockout")
        raise


CurrentKey = Annotated[ApiKey, Depends(get_current_key)]


def require_roles(allowed: frozenset[Role]) -> Callable[..., ApiKey]:
    """A dependency that lets only keys with a role in ``allowed`` through (``403`` otherwise)."""

    def _check(key: CurrentKey) -> ApiKey:
        if key.role not in allowed:
            names = " or ".join(sorted(r.value for r in allowed))
            raise ForbiddenError(f"this needs the role {names}; the key has {key.role}")
        return key

    return _check


AdminKey = Annotated[ApiKey, Depends(require_roles(ADMIN_ROLES))]
UploaderKey = Annotated[ApiKey, Depends(require_roles(UPLOAD_ROLES))]
"""A key that may submit documents."""
ReaderKey = Annotated[ApiKey, Depends(require_roles(READ_ROLES))]
"""A key that may read documents (uploaders only their own; checked per document)."""
ReviewerKey = Annotated[ApiKey, Depends(require_roles(REVIEW_ROLES))]
IntegratorKey = Annotated[ApiKey, Depends(require_roles(INTEGRATE_ROLES))]


def can_read_all(key: ApiKey) -> bool:
    """Whether the key may read documents it did not upload."""
    return _role_reads_all(key.role)


__all__ = [
    "KeyResolver",
    "AdminKey",
    "CurrentKey",
    "IdpError",
    "IntegratorKey",
    "ReaderKey",
    "RecordsDep",
    "ReviewerKey",
    "SessionDep",
    "SettingsDep",
    "StorageDep",
    "UploaderKey",
    "actor_of",
    "audit",
    "can_read_all",
    "require_roles",
]
