"""Settings refuse what cannot work or is not a secret: unknown back ends, placeholder
secrets (at start-up, with a clear message); secrets are never printed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from idp.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
IDP = str(Path(sys.executable).parent / "idp")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("IDP_STORAGE__S3_SECRET_KEY", "change-me"),
        ("IDP_STORAGE__S3_SECRET_KEY", "change-me-minio-secret"),
        ("IDP_STORAGE__S3_SECRET_KEY", "CHANGEME"),
        ("IDP_STORAGE__S3_SECRET_KEY", "secret"),
        ("IDP_STORAGE__S3_SECRET_KEY", "minioadmin"),
        ("IDP_STORAGE__S3_SECRET_KEY", "<generated secret>"),
        ("IDP_DATABASE_URL", "postgresql+psycopg://idp:change-me@db:5432/idp"),
        ("IDP_BROKER_URL", "redis://:password@redis:6379/0"),
        ("IDP_STORAGE__BACKEND", "ftp"),
        ("IDP_STORAGE__BACKEND", "S3 "),
    ],
)
def test_refused_settings(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()


def test_real_secrets_pass_and_are_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "kD9s-2mQ_vX81pLrT0aZyB4nC7eW"
    monkeypatch.setenv("IDP_STORAGE__BACKEND", "s3")
    monkeypatch.setenv("IDP_STORAGE__S3_SECRET_KEY", secret)
    settings = Settings()
    assert settings.storage.s3_secret_key.get_secret_value() == secret
    assert secret not in repr(settings) and secret not in str(settings.model_dump())
    settings.storage.s3_secret_key = "assigned-later-0123456789"  # type: ignore[assignment]
    assert settings.storage.s3_secret_key.get_secret_value() == "assigned-later-0123456789"
    with pytest.raises(ValidationError):
        settings.storage.backend = "nfs"  # type: ignore[assignment]


def test_deploy_files_carry_no_accepted_placeholder() -> None:
    """The shipped manifests hold no secret value the service would start with: values are
    generated at install time (the files say how)."""
    assignment = re.compile(r"^\s*#?\s*(IDP_[A-Z_]+|POSTGRES_PASSWORD|MINIO_ROOT_PASSWORD)"
                            r"\s*[:=]\s*(\S+)")
    for path in [ROOT / "deploy/example.env", ROOT / "deploy/compose.yaml",
                 ROOT / "deploy/k8s/idp.yaml"]:
        for line in path.read_text().splitlines():
            m = assignment.match(line)
            if m is None:
                continue
            value = m.group(2)
            assert "change-me" not in value.lower(), (path.name, line)
            if m.group(1) == "IDP_STORAGE__S3_SECRET_KEY" and not value.startswith("${"):
                with pytest.raises(ValidationError):
                    Settings(storage={"s3_secret_key": value})


def test_serve_refuses_to_start_with_a_placeholder(tmp_path: Path) -> None:
    env = {**os.environ, "IDP_DATA_DIR": str(tmp_path), "IDP_STORAGE__S3_SECRET_KEY": "change-me",
           "OMP_THREAD_LIMIT": "1"}
    done = subprocess.run([IDP, "serve", "--port", "1"], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 2
    assert "configuration refused" in done.stderr and "IDP_STORAGE__S3_SECRET_KEY" in done.stderr
    assert "change-me" not in done.stderr  # not even the placeholder is echoed in full
