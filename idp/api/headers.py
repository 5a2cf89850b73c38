"""Headers every response carries: no caching of personal data, no framing, no sniffing.

Records, page images, originals, review data, document lists and the audit trail all hold
personal data; a browser or proxy cache would keep it after the reviewer signed out. So
every response is ``Cache-Control: no-store`` except the service's own static assets (CSS,
scripts, Swagger UI files), which hold nothing personal. Framing is refused everywhere
(``/docs`` too), and HSTS is sent when the request came over TLS (or ``api.hsts`` says TLS
ends at a proxy in front).

An unhandled exception is answered here (the 500 problem of ``idp.api.problems``):
Starlette's own error handler sits outside every middleware, so its 500 would carry none
of these headers.
"""

from __future__ import annotations

import logging

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CACHEABLE_PREFIXES = ("/static/", "/docs-assets/")
"""Paths of files shipped with the service: no personal data, so caching is allowed."""
HSTS_VALUE = "max-age=31536000; includeSubDomains"

log = logging.getLogger(__name__)


class SecurityHeadersMiddleware:
    """Adds the headers above to every HTTP response without overriding a route's own."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        cacheable = path.startswith(CACHEABLE_PREFIXES)
        tls = scope.get("scheme") == "https" or self.hsts
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                if not cacheable:
                    headers["Cache-Control"] = "no-store"
                    headers["Pragma"] = "no-cache"
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "no-referrer")
                if "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = "frame-ancestors 'none'"
                if tls:
                    headers.setdefault("Strict-Transport-Security", HSTS_VALUE)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if started:  # too late for another response: the connection is cut
                raise
            from idp.api.problems import unexpected_error_response

            log.exception("unhandled error on %s %s", scope.get("method"), path)
            response = unexpected_error_response(Request(scope))
            await response(scope, receive, send_with_headers)
