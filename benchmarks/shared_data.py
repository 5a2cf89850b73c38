"""Where the real development sets live: ``IDP_SHARED_DATA``, else ``../shared/data``
next to the repository (CI's layout), else ``/work/shared/data`` (a worktree's)."""

from __future__ import annotations

import os
from pathlib import Path


def shared_data() -> Path:
    """The folder that holds ``funsd-train/`` and ``sroie-dev/``."""
    configured = os.environ.get("IDP_SHARED_DATA")
    if configured:
        return Path(configured)
    beside = Path(__file__).resolve().parents[2] / "shared" / "data"
    return beside if beside.is_dir() else Path("/work/shared/data")
