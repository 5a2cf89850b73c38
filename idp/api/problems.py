"""Every error as RFC 9457 ``application/problem+json``.

One handler turns any ``IdpError`` into a problem; FastAPI's validation errors and
Starlette's HTTP errors (404 for an unknown path, 405, …) get the same shape, the database
out of reach becomes a 503 with ``Retry-After``, and anything unexpected becomes a 500
problem without internals.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from idp.errors import IdpError

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"


def problem_response(
    request: Request,
    status: int,
    title: str,
    detail: str | None = None,
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json response for ``request``."""
    body: dict[str, Any] = {"type": type_, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body["instance"] = request.url.path
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def problem_type(category: str) -> str:
    """The problem ``type`` URI of an error category."""
    return f"urn:idp:problem:{category}"


async def _idp_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, IdpError)
    headers = {"WWW-Authenticate": 'Bearer realm="idp"'} if exc.http_status == 401 else None
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        headers = {**(headers or {}), "Retry-After": str(retry_after)}
    return problem_response(
        request,
        exc.http_status,
        exc.title,
        exc.message,
        type_=problem_type(exc.category),
        headers=headers,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()))
        errors.append({"location": loc, "message": str(err.get("msg", ""))})
    detail = "; ".join(f"{e['location']}: {e['message']}" for e in errors[:5])
    return problem_response(
        request,
        422,
        "Invalid request",
        detail or "the request is not valid",
        type_=problem_type("invalid-request"),
        errors=errors,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    try:
        title = HTTPStatus(exc.status_code).phrase
    except ValueError:
        title = "Error"
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
    headers = dict(exc.headers) if exc.headers else None
    return problem_response(request, exc.status_code, title, detail, headers=headers)


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    from idp.jobs.outage import is_outage

    if not is_outage(exc):
        return await _unexpected(request, exc)
    log.warning("database unreachable on %s %s: %s", request.method, request.url.path,
                type(exc).__name__)
    return problem_response(
        request, 503, "Database unavailable",
        "the database could not be reached; send the request again shortly (with the same "
        "Idempotency-Key for an upload)",
        type_=problem_type("database"), headers={"Retry-After": "2"},
    )


def unexpected_error_response(request: Request) -> JSONResponse:
    """The 500 problem: nothing of the error's insides."""
    return problem_response(
        request, 500, "Internal error", "the server could not complete the request"
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Reached only if idp.api.headers.SecurityHeadersMiddleware did not answer the error.
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return unexpected_error_response(request)


def install_problem_handlers(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(IdpError, _idp_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(Exception, _unexpected)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "description": HTTPStatus(status).phrase,
        "content": {
            PROBLEM_MEDIA_TYPE: {
                "schema": {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string"},
                        "title": {"type": "string"},
                        "status": {"type": "integer"},
                        "detail": {"type": "string"},
                        "instance": {"type": "string"},
                    },
                    "required": ["type", "title", "status"],
                }
            }
        },
    }
    for status in (400, 401, 403, 404, 408, 409, 413, 415, 422, 429)
}
"""Problem responses to document on routes (``responses=PROBLEM_RESPONSES``)."""
