"""Engines and sessions, one engine per database URL per process.

SQLite gets WAL, foreign keys and ``BEGIN IMMEDIATE`` (a plain deferred BEGIN upgrades to a
write lock halfway through a transaction and fails with "database is locked" under load).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from idp.settings import Settings, get_settings

_engines: dict[str, Engine] = {}
_factories: dict[str, sessionmaker[Session]] = {}
_lock = threading.Lock()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue the BEGIN, not the sqlite3 module.
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        # Deleted rows are overwritten with zeros, not left in free pages for anyone who
        # reads the file (erasure must leave nothing recoverable).
        cur.execute("PRAGMA secure_delete=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def get_engine(settings: Settings | None = None) -> Engine:
    """The process-wide engine for the configured database (created on first use)."""
    settings = settings or get_settings()
    url = settings.resolved_database_url()
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            if url.startswith("sqlite"):
                settings.data_dir.mkdir(parents=True, exist_ok=True)
                engine = create_engine(
                    url, connect_args={"check_same_thread": False, "timeout": 30}
                )
                _configure_sqlite(engine)
            else:
                engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
            _engines[url] = engine
        return engine


def get_session_factory(settings: Settings | None = None) -> sessionmaker[Session]:
    """A session factory bound to ``get_engine(settings)``."""
    settings = settings or get_settings()
    url = settings.resolved_database_url()
    engine = get_engine(settings)
    with _lock:
        factory = _factories.get(url)
        if factory is None:
            factory = sessionmaker(engine, expire_on_commit=False)
            _factories[url] = factory
        return factory


@contextmanager
def session_scope(settings: Settings | None = None) -> Iterator[Session]:
    """A session that commits when the block ends and rolls back if it raises."""
    session = get_session_factory(settings)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def checkpoint_after_erase(settings: Settings | None = None) -> bool:
    """After an erasure is committed: on SQLite, copy the write-ahead log into the database
    and truncate it, so the erased rows' old pages do not linger in ``-wal``. Returns
    whether the log was emptied (a reader holding an old snapshot can keep it; the next
    erasure or SQLite's own checkpoint then finishes the job). PostgreSQL: nothing here;
    see deploy/README.md on VACUUM."""
    engine = get_engine(settings)
    if engine.dialect.name != "sqlite":
        return True
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        busy, _log_pages, _moved = cur.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cur.close()
        return not busy
    finally:
        raw.close()


def dispose_engines() -> None:
    """Close every pooled connection (tests, and child processes after a fork)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _factories.clear()


def forget_engines_after_fork() -> None:
    """In a forked child: drop the parent's pooled connections without closing them (they
    belong to the parent), so the child opens its own."""
    with _lock:
        for engine in _engines.values():
            engine.dispose(close=False)
        _engines.clear()
        _factories.clear()
