"""``GET /v1/audit``: the admin's export of the audit trail."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["audit"])
