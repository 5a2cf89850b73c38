"""``/healthz`` (the process answers) and ``/readyz`` (storage and database work)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from idp.api.deps import SettingsDep
from idp.api.problems import problem_response
from idp.db import get_engine
from idp.storage import get_storage

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the process answers")
def healthz() -> dict[str, str]:
    """Always ``{"status": "ok"}`` while the process serves requests."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: storage and database answer",
    responses={503: {"description": "a dependency is down"}},
)
def readyz(request: Request, settings: SettingsDep) -> Any:
    """Checks a database round trip and a storage write/read; ``503`` problem if either fails."""
    checks: dict[str, str] = {}
    try:
        with get_engine(settings).connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"failed: {type(exc).__name__}"
    try:
        get_storage(settings).check()
        checks["storage"] = "ok"
    except Exception as exc:
        checks["storage"] = f"failed: {type(exc).__name__}"
    if all(v == "ok" for v in checks.values()):
        return JSONResponse({"status": "ready", "checks": checks})
    return problem_response(
        request, 503, "Service Unavailable", "a dependency is not ready", checks=checks
    )
