"""How the audit command reaches the database."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine


def audit_engine(database_url: str | None = None) -> Engine:
    """An engine on ``database_url``, or the service's own engine when none is given."""
    if database_url:
        return create_engine(database_url)
    from idp.db import get_engine

    return get_engine()
