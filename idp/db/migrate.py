"""Apply Alembic migrations (every package's revisions, in one chain) to the database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from idp.db.engine import get_engine
from idp.settings import Settings, get_settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    """An Alembic configuration pointing at the project's migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def upgrade_database(settings: Settings | None = None, revision: str = "heads") -> None:
    """Bring the database to ``revision`` (default: every head). Safe to repeat."""
    settings = settings or get_settings()
    engine = get_engine(settings)
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def current_revisions(settings: Settings | None = None) -> set[str]:
    """Revisions the database is at."""
    from alembic.runtime.migration import MigrationContext

    engine = get_engine(settings or get_settings())
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def head_revisions() -> set[str]:
    """Revisions the code expects."""
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())
