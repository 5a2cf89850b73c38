"""Worker threads inside the service (embedded mode): they poll the job table.

Tesseract runs in its own process per call, so threads are enough to keep both cores busy.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from idp.jobs.process import claim_and_run
from idp.settings import Settings

log = logging.getLogger(__name__)

_wakers: list[threading.Event] = []
_wakers_lock = threading.Lock()


def wake_local_workers() -> None:
    """Tell idle workers in this process that work arrived."""
    with _wakers_lock:
        for ev in _wakers:
            ev.set()


def owner_prefix() -> str:
    """``embedded:<host>:<pid>`` — names this process's claims."""
    return f"embedded:{socket.gethostname()}:{os.getpid()}"


class EmbeddedWorkers:
    """``count`` threads that claim and process jobs until stopped."""

    def __init__(self, settings: Settings, count: int | None = None) -> None:
        self.settings = settings
        self.count = settings.jobs.workers if count is None else count
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start the threads."""
        with _wakers_lock:
            _wakers.append(self._wake)
        for i in range(self.count):
            t = threading.Thread(target=self._run, args=(i,), name=f"idp-worker-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def _run(self, index: int) -> None:
        owner = f"{owner_prefix()}:{index}"
        while not self._stop.is_set():
            try:
                claim, _outcome = claim_and_run(self.settings, owner)
            except Exception:
                log.exception("worker %s: claim failed", owner)
                claim = None
            if claim is None:
                self._wake.wait(self.settings.jobs.poll_interval_s)
                self._wake.clear()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the documents in hand are finished (or ``timeout`` passes)."""
        self._stop.set()
        self._wake.set()
        for t in self._threads:
            t.join(timeout=timeout)
        with _wakers_lock:
            if self._wake in _wakers:
                _wakers.remove(self._wake)
