"""Refuse request bodies larger than any valid upload before reading them, and bodies that
arrive too slowly."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    """The body passed the limit while it was being read."""


class BodyTooSlow(Exception):
    """The body did not arrive within its deadline."""


class BodyLimitMiddleware:
    """``413`` problem for a declared ``Content-Length`` over ``max_bytes``, and cut off a
    body that streams past it (chunked uploads declare no length)."""

    def __init__(self, app: ASGIApp, max_bytes: int, timeout_s: float = 300.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        try:
            too_big = declared is not None and int(declared) > self.max_bytes
        except ValueError:
            too_big = False
        if too_big:
            await self._refuse(scope, send)
            return
        seen = 0
        exceeded: str | None = None
        refused = False
        deadline = asyncio.get_running_loop().time() + self.timeout_s

        async def limited_receive() -> Message:
            nonlocal seen, exceeded
            remaining = deadline - asyncio.get_running_loop().time()
            try:
                message = await asyncio.wait_for(receive(), timeout=max(remaining, 0.001))
            except TimeoutError:
                exceeded = "slow"
                raise BodyTooSlow from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    exceeded = "large"
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # The framework may catch BodyTooLarge while parsing a form and answer 400
            # itself; whatever it says, the answer is our 413.
            nonlocal refused
            if exceeded:
                if not refused:
                    refused = True
                    await self._refuse(scope, send, slow=exceeded == "slow")
                return
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except (BodyTooLarge, BodyTooSlow):
            if not refused:
                refused = True
                await self._refuse(scope, send, slow=exceeded == "slow")

    async def _refuse(self, scope: Scope, send: Send, slow: bool = False) -> None:
        status = 408 if slow else 413
        body: dict[str, Any] = {
            "type": "urn:idp:problem:" + ("request-timeout" if slow else "limit-exceeded"),
            "title": "Request timeout" if slow else "Limit exceeded",
            "status": status,
            "detail": (
                f"the request body did not arrive within {self.timeout_s:g} seconds"
                if slow
                else f"the request body is larger than {self.max_bytes} bytes"
            ),
            "instance": scope.get("path", ""),
        }
        raw = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(raw)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": raw})
