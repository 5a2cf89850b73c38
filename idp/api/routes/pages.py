"""Sign-in, reviewer and upload pages, and their static files.

The pages are server-rendered shells (Jinja2) whose plain scripts call the ``/v1`` API
with the session cookie; ``idp.api.main`` lists ``idp.web.session.key_from_cookie`` among
the app's key resolvers, so the API accepts it with the same roles as the key that signed
in. Nothing loads from outside the service.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from idp.api.deps import SessionDep, SettingsDep, auth_throttle
from idp.api.throttle import subjects_of
from idp.audit import record_event
from idp.db.models import ApiKey
from idp.errors import AuthError, NotFoundError
from idp.keys import authenticate
from idp.permissions import ADMIN_ROLES, REVIEW_ROLES, UPLOAD_ROLES, Role
from idp.web import STATIC_DIR, TEMPLATES_DIR
from idp.web import session as web_session
from idp.web.i18n import LANGUAGES, error_patterns, messages, pick_language

STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml"}
STATIC_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
SIGNIN_COOKIE = "idp_signin"
LANG_COOKIE = "idp_lang"

# Scripts, styles and images come from this service only; no framing, no inline script.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' blob: data:; script-src 'self'; "
        "style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
router = APIRouter(include_in_schema=False)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _lang(request: Request, row: web_session.WebSession | None = None) -> str:
    wanted = request.query_params.get("lang") or (row.lang if row else None)
    wanted = wanted or request.cookies.get(LANG_COOKIE)
    return pick_language(wanted, request.headers.get("accept-language"))


def script_json(value: Any) -> str:
    """JSON safe inside a ``<script type="application/json">`` element (no ``</script>``)."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")


def schemas_for_page(lang: str, settings: Any = None) -> dict[str, Any]:
    """Each document type's title and fields (title, type, threshold…) in ``lang``, for the
    pages' scripts to label fields and explain why one needs review."""
    from idp.schemas import load_schemas

    return {
        name: {
            "title": schema.title_in(lang),
            "fields": {
                fname: {
                    "title": spec.title_in(lang, fname),
                    "type": spec.type.value,
                    "threshold": spec.threshold,
                    "required": spec.required,
                }
                for fname, spec in schema.fields.items()
            },
        }
        for name, schema in load_schemas(settings).items()
    }


def render(
    request: Request, name: str, lang: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    msgs = messages(lang)
    response = templates.TemplateResponse(
        request,
        name,
        {
            "lang": lang,
            "languages": LANGUAGES,
            "t": msgs,
            "messages_json": script_json(msgs),
            "errors_json": script_json(error_patterns(lang)),
            "path": request.url.path,
            **context,
        },
        status_code=status_code,
    )
    response.headers.update(SECURITY_HEADERS)
    if request.query_params.get("lang") == lang:
        response.set_cookie(LANG_COOKIE, lang, samesite="strict", httponly=True, path="/")
    return response


def page_context(
    request: Request, session: SessionDep, roles: frozenset[Role]
) -> tuple[Response | None, dict[str, Any], str]:
    """The signed-in key for a page, or a redirect to sign in / a 403 page."""
    row = web_session.find_session(request, session)
    key = session.get(ApiKey, row.key_id) if row else None
    if row is None or key is None or key.revoked_at is not None:
        lang = _lang(request)
        target = request.url.path
        return RedirectResponse(f"/sign-in?next={target}", status_code=303), {}, lang
    lang = _lang(request, row)
    if request.query_params.get("lang") == lang and row.lang != lang:
        row.lang = lang
        session.commit()
    ctx = {"key": key, "csrf_token": row.csrf_token, "can_review": key.role in REVIEW_ROLES,
           "can_upload": key.role in UPLOAD_ROLES, "is_admin": key.role in ADMIN_ROLES}
    if key.role not in roles:
        return render(request, "forbidden.html", lang, status_code=403, **ctx), ctx, lang
    return None, ctx, lang


@router.get("/")
def home(request: Request, session: SessionDep) -> Response:
    """Send the visitor to the page their role uses, or to sign in."""
    row = web_session.find_session(request, session)
    key = session.get(ApiKey, row.key_id) if row else None
    if key is None:
        return RedirectResponse("/sign-in", status_code=303)
    return RedirectResponse("/review" if key.role in REVIEW_ROLES else "/upload", status_code=303)


def _safe_next(value: str | None) -> str | None:
    # Only paths on this site: no scheme, no host, no protocol-relative "//".
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return None


@router.get("/sign-in")
def sign_in_form(request: Request, next: str | None = None) -> Response:
    """The sign-in form (an API key and a language)."""
    lang = _lang(request)
    token = secrets.token_urlsafe(24)
    response = render(
        request, "sign_in.html", lang, signin_token=token, next=_safe_next(next) or ""
    )
    response.set_cookie(
        SIGNIN_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request),
        path="/sign-in", max_age=3600,
    )
    return response


@router.post("/sign-in")
def sign_in(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    api_key: str = Form(""),
    csrf_token: str = Form(""),
    lang: str = Form("en"),
    next: str = Form(""),
) -> Response:
    """Check the key; on success start a session and go to the page the role uses."""
    lang = pick_language(lang)
    expected = request.cookies.get(SIGNIN_COOKIE) or ""
    if not expected or not secrets.compare_digest(expected, csrf_token):
        return _signin_error(request, lang, "bad_form", next)
    # The same throttle as the API's bearer keys: the form is no way round it.
    throttle = auth_throttle(request)
    subjects = subjects_of(request.client.host if request.client else None, api_key.strip())
    throttle.check(subjects)
    try:
        key = authenticate(session, api_key.strip())
    except AuthError as exc:
        session.rollback()
        throttle.failed(subjects)
        record_event(
            session, actor="anonymous", action="auth.failure", target_type="web",
            target_id="/sign-in", details={"reason": exc.message},
        )
        session.commit()
        return _signin_error(request, lang, "bad_key", next)
    token, _row = web_session.start_session(session, key, lang)
    record_event(
        session, actor=f"key:{key.id}", action="auth.sign_in", target_type="web",
        target_id="/sign-in",
    )
    session.commit()
    default = "/review" if key.role in REVIEW_ROLES else "/upload"
    response = RedirectResponse(_safe_next(next) or default, status_code=303)
    web_session.set_cookie(response, token, secure=_secure(request))
    response.delete_cookie(SIGNIN_COOKIE, path="/sign-in")
    return response


def _signin_error(request: Request, lang: str, message: str, next: str) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request, "sign_in.html", lang, status_code=401, error=messages(lang)[message],
        signin_token=token, next=_safe_next(next) or "",
    )
    response.set_cookie(
        SIGNIN_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request),
        path="/sign-in", max_age=3600,
    )
    return response


@router.post("/sign-out")
def sign_out(request: Request, session: SessionDep, csrf_token: str = Form("")) -> Response:
    """End the session (CSRF-checked, so another site cannot sign a reviewer out)."""
    row = web_session.find_session(request, session)
    if row is not None:
        web_session.check_csrf(request, row, csrf_token)
        web_session.end_session(session, row)
        session.commit()
    response = RedirectResponse("/sign-in", status_code=303)
    web_session.clear_cookie(response, secure=_secure(request))
    return response


@router.get("/review")
def review_page(request: Request, session: SessionDep) -> Response:
    """The reviewer page: page image with boxes, fields least certain first, actions."""
    early, ctx, lang = page_context(request, session, REVIEW_ROLES)
    if early is not None:
        return early
    schemas_json = script_json(schemas_for_page(lang))
    return render(request, "review.html", lang, schemas_json=schemas_json, **ctx)


@router.get("/upload")
def upload_page(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """The upload page: several files, a document type, each file's progress and outcome."""
    early, ctx, lang = page_context(request, session, UPLOAD_ROLES)
    if early is not None:
        return early
    from idp.schemas import load_schemas

    schemas = [(s.name, s.title_in(lang)) for s in load_schemas(settings).values()]
    return render(request, "upload.html", lang, schemas=schemas, **ctx)


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    """The pages' own CSS and scripts (files of this package only)."""
    if not STATIC_NAME.fullmatch(name):  # also keeps NUL bytes away from the file system
        raise NotFoundError("no such file")
    path = (STATIC_DIR / name).resolve()
    if path.parent != STATIC_DIR.resolve() or path.suffix not in STATIC_TYPES or not path.is_file():
        raise NotFoundError("no such file")
    return FileResponse(
        path, media_type=STATIC_TYPES[path.suffix],
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )
