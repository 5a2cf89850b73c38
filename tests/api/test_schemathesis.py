"""Property-based requests generated from the OpenAPI spec: no answer is a 5xx, and every
error is problem+json. Runs as an admin (every route reachable) and without a key."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from idp.api.main import create_app
from idp.db import get_session_factory
from idp.db.migrate import upgrade_database
from idp.keys import create_key
from idp.settings import Settings

# schemathesis loads the spec when the module is collected, so the app is built here, on a
# throw-away data folder removed when the module's tests end.
_DATA = Path(tempfile.mkdtemp(prefix="idp-fuzz-"))
_CFG = Settings(data_dir=_DATA / "data")
_CFG.jobs.workers = 0
upgrade_database(_CFG)
with get_session_factory(_CFG).begin() as _s:
    _ADMIN = create_key(_s, "admin")[1]
_APP = create_app(_CFG, background=False)
schema = schemathesis.openapi.from_asgi("/openapi.json", _APP)


@pytest.fixture(scope="module", autouse=True)
def _cleanup() -> Iterator[None]:
    yield
    from idp.db.engine import dispose_engines

    dispose_engines()
    shutil.rmtree(_DATA, ignore_errors=True)


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: Any) -> None:
    for headers in ({"Authorization": f"Bearer {_ADMIN}"}, {}):
        response = case.call(headers=headers)
        assert response.status_code < 500, (case.method, case.path, response.text[:300])
        if response.status_code >= 400:
            assert response.headers["content-type"][0].startswith("application/problem+json"), (
                case.method, case.path, response.status_code)
