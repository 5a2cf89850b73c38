"""The audit chain: append-only, hash-chained, and `idp audit verify` catches tampering.

Tampering is done the way an insider with database access would: the append-only
triggers are dropped first, then rows are edited, deleted or forged with plain SQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

import idp.audit.models  # noqa: F401  (registers the table on Base)
from idp.audit import event_hash, record_event, verify_chain
from idp.audit.models import GENESIS_HASH
from idp.db.models import Base

IDP = str(Path(sys.executable).parent / "idp")


def _sqlite(path: Path) -> Any:
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(conn: Any, _rec: Any) -> None:
        conn.isolation_level = None
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA busy_timeout=30000")

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


@pytest.fixture
def db(tmp_path: Path) -> Iterator[tuple[sessionmaker[Session], str]]:
    path = tmp_path / "audit.sqlite3"
    engine = _sqlite(path)
    Base.metadata.create_all(engine)
    yield sessionmaker(engine), f"sqlite:///{path}"
    engine.dispose()


def _write(factory: sessionmaker[Session], n: int) -> None:
    with factory.begin() as s:
        for i in range(n):
            record_event(s, actor="key:abc", action="review.correct", target_type="document",
                         target_id=f"doc-{i}", details={"field": "email", "valid": True})


def _verify_cli(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [IDP, "audit", "verify", "--database-url", url, *extra],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )


def _drop_triggers(factory: sessionmaker[Session]) -> None:
    with factory.begin() as s:
        s.execute(text("DROP TRIGGER audit_events_no_update"))
        s.execute(text("DROP TRIGGER audit_events_no_delete"))


def test_an_intact_chain_verifies_and_links_every_event(db) -> None:
    factory, url = db
    _write(factory, 5)
    with factory() as s:
        report = verify_chain(s)
        rows = s.execute(text("SELECT seq, prev_hash, hash FROM audit_events ORDER BY seq")).all()
    assert report.ok and report.events == 5 and report.head == rows[-1][2]
    assert rows[0][1] == GENESIS_HASH
    assert all(rows[i][1] == rows[i - 1][2] for i in range(1, 5))
    out = _verify_cli(url)
    assert out.returncode == 0 and "5 events" in out.stdout


def test_the_database_refuses_updates_and_deletes(db) -> None:
    factory, _url = db
    _write(factory, 2)
    for sql in ("UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), factory.begin() as s:
            s.execute(text(sql))


def test_an_edited_event_fails_verification(db) -> None:
    factory, url = db
    _write(factory, 4)
    _drop_triggers(factory)
    with factory.begin() as s:
        s.execute(text("UPDATE audit_events SET actor = 'key:someone-else' WHERE seq = 2"))
    with factory() as s:
        report = verify_chain(s)
    assert not report.ok
    assert report.problems == ["event 2: contents changed since it was written"]
    out = _verify_cli(url)
    assert out.returncode == 1
    assert "event 2: contents changed" in out.stderr and "BROKEN" in out.stderr


def test_an_edit_with_a_recomputed_hash_still_breaks_the_next_link(db) -> None:
    factory, url = db
    _write(factory, 4)
    _drop_triggers(factory)
    with factory.begin() as s:
        row = s.execute(text("SELECT * FROM audit_events WHERE seq = 2")).mappings().one()
        fields = {k: row[k] for k in ("seq", "at", "actor", "action", "target_type",
                                      "target_id")}
        fields["details"] = {"field": "date_of_birth", "valid": True}
        forged = event_hash(row["prev_hash"], fields)
        s.execute(
            text("UPDATE audit_events SET details = :d, hash = :h WHERE seq = 2"),
            {"d": '{"field": "date_of_birth", "valid": true}', "h": forged},
        )
    assert _verify_cli(url).returncode == 1
    with factory() as s:
        assert verify_chain(s).problems == ["event 3: does not follow the event before it"]


def test_a_deleted_event_fails_verification(db) -> None:
    factory, url = db
    _write(factory, 5)
    _drop_triggers(factory)
    with factory.begin() as s:
        s.execute(text("DELETE FROM audit_events WHERE seq = 3"))
    out = _verify_cli(url)
    assert out.returncode == 1 and "event 3: missing" in out.stderr


def test_cutting_off_the_newest_events_is_caught_against_a_kept_head(db) -> None:
    factory, url = db
    _write(factory, 5)
    head = _verify_cli(url).stdout.split("head ")[1].strip()
    _write(factory, 1)  # the chain grows normally: the old head is still in it
    assert _verify_cli(url, "--expect-head", head).returncode == 0
    _drop_triggers(factory)
    with factory.begin() as s:
        s.execute(text("DELETE FROM audit_events WHERE seq >= 5"))
    assert _verify_cli(url).returncode == 0  # on its own the shortened chain looks whole
    out = _verify_cli(url, "--expect-head", head)
    assert out.returncode == 1 and "events were removed" in out.stderr


def test_concurrent_writers_never_fork_the_chain(db) -> None:
    factory, _url = db
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(10):
                with factory.begin() as s:
                    record_event(s, actor=f"key:{n}", action="record.view",
                                 target_type="document", target_id=f"d{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with factory() as s:
        report = verify_chain(s)
    assert report.ok and report.events == 40


@pytest.mark.postgres
def test_chain_and_append_only_on_postgresql() -> None:
    url = os.environ.get("IDP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    admin = create_engine(url)
    try:
        with admin.begin() as c:
            c.exec_driver_sql("DROP SCHEMA IF EXISTS audit_test CASCADE")
            c.exec_driver_sql("CREATE SCHEMA audit_test")
    except Exception as exc:  # pragma: no cover - no server
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    engine = create_engine(url, connect_args={"options": "-csearch_path=audit_test"})
    try:
        from idp.audit.models import AuditEvent

        AuditEvent.__table__.create(engine)
        factory = sessionmaker(engine)
        errors: list[BaseException] = []

        def writer(n: int) -> None:
            try:
                for i in range(5):
                    with factory.begin() as s:
                        record_event(s, actor=f"key:{n}", action="record.view",
                                     target_type="document", target_id=f"d{i}",
                                     details={"n": n})
            except BaseException as exc:  # pragma: no cover
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        with factory() as s:
            assert verify_chain(s).ok and verify_chain(s).events == 20
        with pytest.raises(DBAPIError, match="append-only"), factory.begin() as s:
            s.execute(text("UPDATE audit_events SET actor = 'x' WHERE seq = 1"))
        with factory.begin() as s:
            s.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"))
            s.execute(text("UPDATE audit_events SET actor = 'x' WHERE seq = 7"))
        with factory() as s:
            assert verify_chain(s).problems == ["event 7: contents changed since it was written"]
    finally:
        engine.dispose()
        with admin.begin() as c:
            c.exec_driver_sql("DROP SCHEMA IF EXISTS audit_test CASCADE")
        admin.dispose()


def test_a_legacy_unkeyed_segment_verifies_once_a_keyed_event_seals_it(
    db, tmp_path: Path
) -> None:
    """A database upgraded past migration 0003 holds events written before audit keys:
    unkeyed. With the key, they verify as a legacy segment once a keyed event follows
    them; editing one, even re-hashing the rest of the segment, breaks that seal."""
    from idp.audit.keyring import AuditKeyring, use_keyring

    factory, url = db
    _write(factory, 3)  # no keyring registered: unkeyed, as before migration 0003
    secret = os.urandom(32)
    ring = AuditKeyring("k1", {"k1": secret})
    with factory() as s:
        report = verify_chain(s, keyring=ring)
    assert not report.ok and "no keyed event follows" in report.problems[0]

    use_keyring(url, ring)  # the upgraded service writes keyed events from now on
    _write(factory, 2)
    with factory() as s:
        keys = [k for (k,) in s.execute(text("SELECT key_id FROM audit_events ORDER BY seq"))]
        report = verify_chain(s, keyring=ring)
    assert keys == [None, None, None, "k1", "k1"]
    assert report.ok, report.problems
    assert report.legacy_events == 3
    assert report.notes and "events 1–3: unkeyed legacy segment" in report.notes[0]
    keys_dir = tmp_path / "keys"
    keys_dir.mkdir()
    (keys_dir / "k1.key").write_text(secret.hex())
    out = _verify_cli(url, "--keys-dir", str(keys_dir))
    assert out.returncode == 0, out.stderr
    assert "legacy segment" in out.stderr and "intact: 5 events" in out.stdout

    # An insider edits legacy event 2 and re-hashes event 3 after it (plain SHA-256, as
    # legacy events were): keyed event 4 no longer follows.
    _drop_triggers(factory)
    with factory.begin() as s:
        prev = s.execute(text("SELECT hash FROM audit_events WHERE seq = 1")).scalar_one()
        for seq in (2, 3):
            row = s.execute(text("SELECT * FROM audit_events WHERE seq = :q"),
                            {"q": seq}).mappings().one()
            fields = {k: row[k] for k in ("seq", "at", "actor", "action", "target_type",
                                          "target_id")}
            fields["details"] = {"field": "email", "valid": True}
            if seq == 2:
                fields["actor"] = "key:someone-else"
            forged = event_hash(prev, fields)
            s.execute(text("UPDATE audit_events SET actor = :a, prev_hash = :p, hash = :h "
                           "WHERE seq = :q"),
                      {"a": fields["actor"], "p": prev, "h": forged, "q": seq})
            prev = forged
    with factory() as s:
        report = verify_chain(s, keyring=ring)
    assert report.problems == ["event 4: does not follow the event before it"]
    assert _verify_cli(url, "--keys-dir", str(keys_dir)).returncode == 1
