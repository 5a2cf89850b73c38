"""Authentication throttling: repeated failures lock out a client address or a key id.

Counted in the process's memory (one API process per host in embedded mode; behind a load
balancer each replica counts its own, which still bounds guessing per replica). A locked
out caller gets ``429`` with ``Retry-After`` before any database work, and one
``auth.lockout`` audit event instead of a row per attempt.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from idp.errors import IdpError


class TooManyAttemptsError(IdpError):
    """Too many failed authentications; try again after ``retry_after`` seconds."""

    category = "too-many-attempts"
    http_status = 429
    title = "Too many failed attempts"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(1, math.ceil(retry_after))


@dataclass
class _Subject:
    failures: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0


class AuthThrottle:
    """Failure counts per subject (``addr:<ip>``, ``key:<id>``) in a sliding window."""

    MAX_SUBJECTS = 100_000

    def __init__(self, max_failures: int, window_s: float, lockout_s: float) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.lockout_s = lockout_s
        self._subjects: dict[str, _Subject] = {}
        self._lock = threading.Lock()

    def check(self, subjects: list[str], now: float | None = None) -> None:
        """Raise ``TooManyAttemptsError`` if any subject is locked out."""
        now = time.monotonic() if now is None else now
        with self._lock:
            waits = [
                s.locked_until - now
                for name in subjects
                if (s := self._subjects.get(name)) is not None and s.locked_until > now
            ]
        if waits:
            raise TooManyAttemptsError(
                "too many failed authentications; try again later", max(waits)
            )

    def failed(self, subjects: list[str], now: float | None = None) -> list[str]:
        """Count a failure for each subject; returns those it has just locked out."""
        now = time.monotonic() if now is None else now
        locked: list[str] = []
        with self._lock:
            if len(self._subjects) > self.MAX_SUBJECTS:
                self._forget_idle(now)
            for name in subjects:
                s = self._subjects.setdefault(name, _Subject())
                s.failures.append(now)
                while s.failures and s.failures[0] < now - self.window_s:
                    s.failures.popleft()
                if len(s.failures) >= self.max_failures and s.locked_until <= now:
                    s.locked_until = now + self.lockout_s
                    s.failures.clear()
                    locked.append(name)
        return locked

    def _forget_idle(self, now: float) -> None:
        for name in [n for n, s in self._subjects.items()
                     if s.locked_until <= now and (not s.failures
                                                   or s.failures[-1] < now - self.window_s)]:
            del self._subjects[name]


def subjects_of(client_host: str | None, presented_key: str | None) -> list[str]:
    """The throttled subjects of a request: its address, and the key id it presented."""
    subjects = [f"addr:{client_host or 'unknown'}"]
    if presented_key:
        parts = presented_key.split("_", 2)
        if len(parts) == 3 and parts[1]:
            subjects.append(f"key:{parts[1][:64]}")
    return subjects
