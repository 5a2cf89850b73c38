"""The HTTP server's own deadlines: a client may not hold a connection by sending its
request slowly.

uvicorn closes idle keep-alive connections (``timeout_keep_alive``) but waits for ever for
the rest of a request's headers, so forty clients trickling one header byte a minute hold
forty connections. ``HeaderDeadlineProtocol`` closes a connection whose request headers are
not complete ``api.header_timeout_s`` after it opened (or after its previous response);
``idp.api.limits.BodyLimitMiddleware`` gives the body its own deadline.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from idp.settings import Settings


class HeaderDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request's headers."""

    header_timeout_s: float = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the deadline with the connection."""
        super().connection_made(transport)
        self._header_deadline: asyncio.TimerHandle | None = None
        self._arm_header_deadline()

    def _arm_header_deadline(self) -> None:
        if getattr(self, "_header_deadline", None) is not None:
            self._header_deadline.cancel()  # type: ignore[union-attr]
        self._header_deadline = self.loop.call_later(self.header_timeout_s, self._headers_late)

    def _headers_late(self) -> None:
        # A request whose headers arrived is running (its body has its own deadline); only a
        # connection still waiting for headers is closed.
        waiting = self.cycle is None or self.cycle.response_complete
        if waiting and not self.transport.is_closing():
            self.transport.close()

    def on_response_complete(self) -> None:
        """The next request's headers get a fresh deadline."""
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        """Drop the timer with the connection."""
        if getattr(self, "_header_deadline", None) is not None:
            self._header_deadline.cancel()  # type: ignore[union-attr]
        super().connection_lost(exc)


def server_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.Config``/``uvicorn.run`` that bound slow clients."""

    class Protocol(HeaderDeadlineProtocol):
        header_timeout_s = settings.api.header_timeout_s

    return {
        "http": Protocol,
        "timeout_keep_alive": settings.api.keep_alive_s,
        "h11_max_incomplete_event_size": 64 * 1024,
    }
