"""Import the heavy libraries a worker needs once, before two workers race to do it.

``layoutparser`` resolves its names lazily on first attribute access (about a second);
two worker threads touching ``lp.TextBlock`` at the same moment could see a half-built
module ("module 'layoutparser' has no attribute 'TextBlock'") and fail the first
document after start. Every worker calls ``preload_libraries`` before its first job:
the first caller imports under a lock, the others wait for it, later calls cost a flag
check.
"""

from __future__ import annotations

import importlib
import logging
import threading

log = logging.getLogger(__name__)

PRELOADED: dict[str, tuple[str, ...]] = {
    "layoutparser": ("TextBlock", "Layout", "Rectangle", "Interval", "Quadrilateral"),
    "layoutparser.elements": (),
}
"""Modules imported, and the lazily resolved names touched, before the first job."""

_lock = threading.Lock()
_done = False


def preload_libraries() -> None:
    """Import ``PRELOADED`` once per process; safe to call from any number of threads."""
    global _done
    if _done:
        return
    with _lock:
        if _done:
            return
        for name, attributes in PRELOADED.items():
            try:
                module = importlib.import_module(name)
                for attribute in attributes:
                    getattr(module, attribute)
            except Exception:  # a missing optional library fails later, with its own error
                log.warning("could not preload %s", name, exc_info=True)
        _done = True
