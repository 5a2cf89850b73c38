"""Errors that mean a dependency is down, not that the document is bad.

The object store unreachable (``StorageError``) or the database gone (a dropped connection,
a server restarting or refusing connections) says nothing about the document: its job goes
back to the queue without using one of its attempts (``queue.requeue_after_outage``), the
Celery task is retried instead of dropped, and the API answers ``503`` with
``Retry-After`` instead of ``500``.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError

from idp.storage import StorageError

MAX_BACKOFF_S = 60.0


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the object store or the database could not
    be reached."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, (StorageError, OperationalError, InterfaceError,
                                DisconnectionError)):
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        current = current.__cause__ or current.__context__
    return False


def outage_backoff(retries: int, first_s: float = 2.0) -> float:
    """Seconds to wait before the ``retries``-th retry after an outage (2, 4, 8 … 60)."""
    return min(first_s * 2 ** max(retries, 0), MAX_BACKOFF_S)
