"""The audit chain is keyed with an HMAC key kept outside the database: an insider who
edits an event and re-hashes the whole chain is caught; the key can be rotated; a signed
head in object storage catches a cut tail; every key operation is audited."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from idp.audit import verify_chain
from idp.audit.heads import PREFIX, export_head
from idp.audit.keyring import install_keyring, keys_dir, load_keyring
from idp.db import get_session_factory
from idp.storage import get_storage
from tests.api.test_review_api import Env, record_for

IDP = str(Path(sys.executable).parent / "idp")


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    e = Env(tmp_path)
    yield e
    e.close()


def _cli(env: Env, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [IDP, *args], capture_output=True, text=True, timeout=180,
        env={**os.environ, "OMP_THREAD_LIMIT": "1", "IDP_DATA_DIR": str(env.settings.data_dir)},
    )


def _some_events(env: Env) -> None:
    env.add_needs_review("doc-1", record_for("doc-1"))
    h = env.auth("reviewer")
    env.client.post("/v1/review/doc-1/claim", headers=h)
    env.client.get("/v1/review/doc-1", headers=h)
    env.client.put("/v1/review/doc-1/fields/first_name", json={"value": "Marged"}, headers=h)


def _rehash_everything(env: Env, edit_seq: int) -> None:
    """What an insider with database access but without the key can do: drop the
    triggers, edit an event, and recompute every hash after it (plain SHA-256)."""
    factory = get_session_factory(env.settings)
    with factory.begin() as s:
        s.execute(text("DROP TRIGGER audit_events_no_update"))
        rows = s.execute(text("SELECT * FROM audit_events ORDER BY seq")).mappings().all()
        prev = rows[0]["prev_hash"]
        for row in rows:
            fields = {k: row[k] for k in ("seq", "at", "actor", "action", "target_type",
                                          "target_id")}
            details = row["details"]
            fields["details"] = json.loads(details) if isinstance(details, str) else details
            if row["seq"] == edit_seq:
                fields["actor"] = "key:someone-else"
            canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"),
                                   ensure_ascii=False)
            new = hashlib.sha256((prev + "\n" + canonical).encode()).hexdigest()
            s.execute(text("UPDATE audit_events SET actor = :a, prev_hash = :p, hash = :h, "
                           "key_id = NULL WHERE seq = :q"),
                      {"a": fields["actor"], "p": prev, "h": "tmp" + new[3:], "q": row["seq"]})
            prev = new
        # Second pass: the real hashes (unique constraints forbid swapping them in one go).
        prev = rows[0]["prev_hash"]
        for row in s.execute(text("SELECT * FROM audit_events ORDER BY seq")).mappings().all():
            fields = {k: row[k] for k in ("seq", "at", "actor", "action", "target_type",
                                          "target_id")}
            details = row["details"]
            fields["details"] = json.loads(details) if isinstance(details, str) else details
            canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"),
                                   ensure_ascii=False)
            new = hashlib.sha256((prev + "\n" + canonical).encode()).hexdigest()
            s.execute(text("UPDATE audit_events SET prev_hash = :p, hash = :h WHERE seq = :q"),
                      {"p": prev, "h": new, "q": row["seq"]})
            prev = new


def test_events_are_keyed_and_a_rehashed_edit_is_caught(env: Env) -> None:
    _some_events(env)
    ring = load_keyring(env.settings, create=False)
    assert ring is not None
    factory = get_session_factory(env.settings)
    with factory() as s:
        assert {k for (k,) in s.execute(text("SELECT DISTINCT key_id FROM audit_events"))} \
            == {"k1"}
        assert verify_chain(s, keyring=ring).ok
    assert _cli(env, "audit", "verify").returncode == 0

    _rehash_everything(env, edit_seq=2)
    with factory() as s:
        assert verify_chain(s, keyring=None).ok  # without the key, the forgery looks intact
        report = verify_chain(s, keyring=ring)
    assert not report.ok
    assert any("not keyed" in p for p in report.problems)
    out = _cli(env, "audit", "verify")
    assert out.returncode == 1, out.stdout + out.stderr
    assert "BROKEN" in out.stderr


def test_key_rotation_keeps_old_events_verifiable(env: Env) -> None:
    _some_events(env)
    folder = keys_dir(env.settings)
    (folder / "k2.key").write_text(os.urandom(32).hex())
    env.settings.audit.key_id = "k2"
    install_keyring(env.settings)
    env.client.get("/v1/review/doc-1", headers=env.auth("reviewer"))
    ring = load_keyring(env.settings, create=False)
    assert ring is not None and set(ring.keys) == {"k1", "k2"}
    with get_session_factory(env.settings)() as s:
        ids = [k for (k,) in s.execute(text("SELECT key_id FROM audit_events ORDER BY seq"))]
        assert ids[0] == "k1" and ids[-1] == "k2"
        assert verify_chain(s, keyring=ring).ok
        (folder / "k1.key").unlink()  # a retired key thrown away too early
        partial = load_keyring(env.settings, create=False)
        report = verify_chain(s, keyring=partial)
    assert not report.ok and "not available" in report.problems[0]


def test_signed_head_catches_a_cut_tail_and_its_own_forgery(env: Env) -> None:
    _some_events(env)
    head = export_head(env.settings)
    assert head is not None
    assert _cli(env, "audit", "verify").returncode == 0
    factory = get_session_factory(env.settings)
    with factory.begin() as s:
        s.execute(text("DROP TRIGGER audit_events_no_delete"))
        s.execute(text("DELETE FROM audit_events WHERE seq = :q"), {"q": head.seq})
    out = _cli(env, "audit", "verify")
    assert out.returncode == 1 and "events were removed" in out.stderr
    store = get_storage(env.settings)
    key = sorted(store.list(PREFIX))[-1]
    forged = json.loads(store.get(key))
    forged["seq"] -= 1
    store.put(key, json.dumps(forged).encode())
    out = _cli(env, "audit", "verify")
    assert out.returncode == 1 and "bad signature" in out.stderr


def test_export_head_cli_and_key_operations_are_audited(env: Env) -> None:
    out = _cli(env, "keys", "revoke", env.key_ids["uploader"])
    assert out.returncode == 0, out.stderr
    out = _cli(env, "keys", "list")
    assert out.returncode == 0, out.stderr
    out = _cli(env, "audit", "export-head")
    assert out.returncode == 0 and "exported head" in out.stdout, out.stderr
    with get_session_factory(env.settings)() as s:
        actions = [(a, t) for a, t in s.execute(
            text("SELECT action, target_id FROM audit_events ORDER BY seq"))]
    assert ("key.revoke", env.key_ids["uploader"]) in actions
    assert ("key.list", None) in actions
    assert _cli(env, "audit", "verify").returncode == 0
