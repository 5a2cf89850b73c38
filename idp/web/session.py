"""Web sign-in sessions: an HttpOnly, SameSite=Strict cookie and a CSRF token per session.

The cookie holds a random token; the database keeps only its SHA-256, with the API key it
stands for. Requests that change something must also send the session's CSRF token (the
``X-CSRF-Token`` header from the pages' scripts, or a ``csrf_token`` form field), so a
cross-site page cannot act with the reviewer's cookie even where SameSite is not honoured.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from fastapi import Request, Response
from sqlalchemy import delete
from sqlalchemy.orm import Session

from idp.db.models import ApiKey, as_utc, utcnow
from idp.errors import ForbiddenError
from idp.web.models import WebSession

COOKIE_NAME = "idp_session"
CSRF_HEADER = "x-csrf-token"
SESSION_TTL = timedelta(hours=8)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    session: Session, key: ApiKey, lang: str, *, now: datetime | None = None
) -> tuple[str, WebSession]:
    """Create a session for ``key``; returns the cookie token (shown once) and the row."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    row = WebSession(
        token_hash=_hash(token),
        key_id=key.id,
        csrf_token=secrets.token_urlsafe(32),
        lang=lang,
        created_at=now,
        expires_at=now + SESSION_TTL,
    )
    session.add(row)
    # Expired sessions are swept as new ones start; nothing else needs them.
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    return token, row


def find_session(request: Request, session: Session) -> WebSession | None:
    """The live session the request's cookie names, if any."""
    token = request.cookies.get(COOKIE_NAME)
    if not token or len(token) > 200:
        return None
    row = session.get(WebSession, _hash(token))
    if row is None or as_utc(row.expires_at) <= utcnow():  # type: ignore[operator]
        return None
    return row


def check_csrf(request: Request, row: WebSession, form_token: str | None = None) -> None:
    """Refuse (403) a state-changing request without the session's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    presented = form_token or request.headers.get(CSRF_HEADER) or ""
    if not hmac.compare_digest(presented.encode(), row.csrf_token.encode()):
        raise ForbiddenError("missing or wrong CSRF token; reload the page and try again")


def key_from_cookie(request: Request, session: Session) -> ApiKey | None:
    """A key resolver (``idp.api.deps.KeyResolver``): the API key behind the session cookie.

    Lets the pages' scripts call the same ``/v1`` API as any client, with the same roles.
    """
    row = find_session(request, session)
    if row is None:
        return None
    check_csrf(request, row)
    key = session.get(ApiKey, row.key_id)
    if key is None or key.revoked_at is not None:
        return None
    return key


def end_session(session: Session, row: WebSession) -> None:
    """Sign out: the cookie's token stops working at once."""
    session.delete(row)


def set_cookie(response: Response, token: str, *, secure: bool) -> None:
    """The session cookie: HttpOnly, SameSite=Strict, whole site, as long as the session."""
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=int(SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )


def clear_cookie(response: Response, *, secure: bool) -> None:
    """Remove the session cookie from the browser."""
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="strict", secure=secure)
