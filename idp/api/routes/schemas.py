"""``/v1/schemas``: the document types and the JSON Schema of their records' fields."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from idp.api.deps import CurrentKey, SettingsDep
from idp.api.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/schemas", tags=["schemas"], responses=PROBLEM_RESPONSES)


@router.get("", summary="Document types this service knows")
def list_schemas(settings: SettingsDep, key: CurrentKey) -> dict[str, Any]:
    """Name, version, title and a link for each schema."""
    from idp.schemas import load_schemas

    items = [
        {
            "name": s.name,
            "version": s.version,
            "title": s.title or s.name,
            "description": s.description,
            "links": {"self": f"/v1/schemas/{s.name}"},
        }
        for s in sorted(load_schemas(settings).values(), key=lambda s: s.name)
    ]
    return {"items": items}


@router.get(
    "/{name}",
    summary="JSON Schema of one document type's fields",
    responses={200: {"content": {"application/schema+json": {}}}},
)
def get_schema(
    name: Annotated[str, Path(max_length=100)], settings: SettingsDep, key: CurrentKey
) -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of the record's ``fields`` values."""
    from idp.schemas import load_schema

    return load_schema(name, settings).to_json_schema()
