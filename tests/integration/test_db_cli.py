"""``idp migrate`` and ``idp keys create/list/revoke`` against a real database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from idp.cli import main
from idp.db import get_session_factory
from idp.errors import AuthError
from idp.keys import authenticate
from idp.settings import Settings, get_settings


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("IDP_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


def test_migrate_then_keys_lifecycle(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from idp.db.migrate import head_revisions

    assert main(["migrate"]) == 0
    assert capsys.readouterr().out.split()[-1] in head_revisions()

    assert main(["keys", "create", "--role", "admin", "--name", "ops"]) == 0
    out = capsys.readouterr()
    secret = out.out.strip()
    assert secret.startswith("idp_") and "not shown again" in out.err

    settings = Settings(data_dir=data_dir)
    with get_session_factory(settings)() as s:
        key = authenticate(s, secret)
        assert key.role == "admin" and key.name == "ops"
        assert secret.split("_", 2)[2] not in key.secret_hash  # only a hash is kept

    assert main(["keys", "list"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(k["id"], k["role"], k["revoked"]) for k in listed] == [(key.id, "admin", False)]
    assert secret not in json.dumps(listed)

    assert main(["keys", "revoke", key.id]) == 0
    with get_session_factory(settings)() as s, pytest.raises(AuthError):
        authenticate(s, secret)
    assert main(["keys", "revoke", "nosuchkey"]) == 4  # not found, one-line error
    assert "no API key" in capsys.readouterr().err


def test_unknown_role_is_refused(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["keys", "create", "--role", "superuser"])
    assert "invalid choice" in capsys.readouterr().err
