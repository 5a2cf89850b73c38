"""Keep a long-running process's memory flat.

glibc gives each thread that allocates its own malloc arena (up to 8 per core); with a
request thread pool and worker threads, freed memory stays scattered over many arenas and
the resident size creeps up document after document. Two arenas are plenty here: the heavy
work happens in native code (Tesseract runs in its own process, torch and OpenCV allocate
large blocks through mmap).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os

log = logging.getLogger(__name__)

_M_ARENA_MAX = -8  # from glibc's malloc.h


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Cap glibc malloc arenas for this process (call before starting threads); ``False``
    where there is no glibc, or when ``MALLOC_ARENA_MAX`` was set explicitly."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        return bool(libc.mallopt(_M_ARENA_MAX, arenas))
    except (OSError, AttributeError):
        log.debug("mallopt is not available")
        return False
