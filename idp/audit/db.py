"""How the audit command reaches the service's database."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine


def audit_engine(database_url: str | None = None) -> Engine:
    """An engine on ``database_url``, or on the service's database when none is given."""
    if database_url:
        return create_engine(database_url)
    try:
        from idp.db import get_engine  # the service's engine factory, when present

        return get_engine()
    except ImportError:
        from idp.settings import get_settings

        settings = get_settings()
        url = settings.database_url or f"sqlite:///{settings.data_dir / 'idp.db'}"
        return create_engine(url)
