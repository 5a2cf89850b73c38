"""After erasure, no byte of the data folder holds an erased value: not the database file,
not its write-ahead log, not the object store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.test_review_api import Env, record_for

NAME = "Quxleyandra"
CORRECTED = "Zorblattiana"
FILENAME = "Pemberton-Vexholm-application.pdf"


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    e = Env(tmp_path)
    yield e
    e.close()


def _files_holding(root: Path, values: list[bytes]) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.name}: {v.decode()}" for v in values if v in data]
    return found


def test_erased_values_are_nowhere_in_the_data_folder(env: Env) -> None:
    record = record_for("doc-1")
    record["fields"]["first_name"]["value"] = NAME
    record["source"]["filename"] = FILENAME
    env.add_needs_review("doc-1", record)
    from idp.db import get_session_factory
    from idp.db.models import Document

    with get_session_factory(env.settings).begin() as s:
        doc = s.get(Document, "doc-1")
        assert doc is not None
        doc.filename = FILENAME
    h = env.auth("reviewer")
    assert env.client.post("/v1/review/doc-1/claim", headers=h).status_code == 200
    r = env.client.put("/v1/review/doc-1/fields/first_name", json={"value": CORRECTED},
                       headers=h)
    assert r.status_code == 200
    values = [NAME.encode(), CORRECTED.encode(), FILENAME.encode()]
    data_dir = env.settings.data_dir
    assert _files_holding(data_dir, values)  # the values are there before

    r = env.client.delete("/v1/documents/doc-1", headers=env.auth("admin"))
    assert r.status_code == 204
    assert _files_holding(data_dir, values) == []
    wal = data_dir / "idp.sqlite3-wal"
    assert not wal.exists() or wal.stat().st_size == 0
