"""Review queue API: list, claim, correct, approve, reject."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["review"])
