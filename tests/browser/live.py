"""A real ``idp serve`` process on a free loopback port, for end-to-end and browser tests.

The service runs exactly as an operator starts it (embedded mode: local folder, SQLite,
worker threads), keys are made with ``idp keys create``, and tests talk to it over HTTP.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
IDP = str(Path(sys.executable).parent / "idp")
FINAL = {"accepted", "needs_review", "failed"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveService:
    """A running service, its data folder and one key per role."""

    base_url: str
    data_dir: Path
    env: dict[str, str]
    keys: dict[str, str] = field(default_factory=dict)

    def create_key(self, role: str) -> str:
        out = subprocess.run(
            [IDP, "keys", "create", "--role", role, "--name", f"test {role}"],
            env=self.env, cwd=REPO, capture_output=True, text=True, check=True, timeout=120,
        )
        return out.stdout.strip().splitlines()[-1]

    def client(self, role: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.keys[role]}"},
            timeout=60,
        )

    def upload(self, role: str, files: list[tuple[str, bytes]], schema: str) -> list[str]:
        with self.client(role) as c:
            r = c.post(
                "/v1/documents",
                files=[("files", (name, data, "application/pdf")) for name, data in files],
                data={"schema": schema},
            )
            r.raise_for_status()
            return [d["id"] for d in r.json()["documents"]]

    def wait_done(self, role: str, doc_ids: list[str], timeout: float = 300) -> dict[str, str]:
        deadline = time.monotonic() + timeout
        status: dict[str, str] = {}
        with self.client(role) as c:
            while time.monotonic() < deadline:
                status = {d: c.get(f"/v1/documents/{d}").json()["status"] for d in doc_ids}
                if all(s in FINAL for s in status.values()):
                    return status
                time.sleep(0.5)
        raise TimeoutError(f"documents not processed in {timeout}s: {status}")


@contextmanager
def live_service(tmp_path: Path, workers: int = 1) -> Iterator[LiveService]:
    """Start ``idp serve``; stop it (SIGTERM, then SIGKILL) when the block ends."""
    port = _free_port()
    data_dir = tmp_path / "idp-data"
    env = {
        **os.environ,
        "IDP_DATA_DIR": str(data_dir),
        "IDP_JOBS__WORKERS": str(workers),
        "OMP_THREAD_LIMIT": "1",
    }
    env.pop("IDP_DATABASE_URL", None)
    env.pop("IDP_BROKER_URL", None)
    service = LiveService(f"http://127.0.0.1:{port}", data_dir, env)
    for role in ("admin", "reviewer", "uploader"):
        service.keys[role] = service.create_key(role)
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [IDP, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(service.base_url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((tmp_path / "serve.log").read_text()[-3000:])
            time.sleep(0.2)
        yield service
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
