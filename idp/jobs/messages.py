"""Error messages as users see them: what went wrong, without the machine's insides.

A library's exception text often names files on the server (``/usr/lib/python3/…``,
``/tmp/tmpab12/page-1.png``), which tells a caller about the host and nothing about their
document. ``public_message`` keeps the message and drops the paths; the full text stays in
the service's log.
"""

from __future__ import annotations

import re

_TRACEBACK_LINE = re.compile(r'File "[^"]*", line \d+(, in [\w<>.]+)?')
_QUOTED_PATH = re.compile(r"""(['"])(?:[A-Za-z]:)?[\\/][^'"]*\1""")
_BARE_PATH = re.compile(r"(?<![\w:/.])(?:[A-Za-z]:\\|/)(?:[\w.@+-]+[\\/])+[\w.@+-]*")
_SPACES = re.compile(r"\s{2,}")
MAX_LENGTH = 500


def public_message(message: str) -> str:
    """``message`` with file-system paths and traceback locations removed, shortened."""
    text = _TRACEBACK_LINE.sub("", message)
    text = _QUOTED_PATH.sub("(a server file)", text)
    text = _BARE_PATH.sub("(a server file)", text)
    text = _SPACES.sub(" ", text).strip()
    if len(text) > MAX_LENGTH:
        text = text[: MAX_LENGTH - 1] + "…"
    return text or "processing failed"
