"""``/v1/webhooks``: URLs that receive signed events when documents finish."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import AnyHttpUrl, BaseModel, Field
from sqlalchemy import func, select

from idp.api.deps import SessionDep, SettingsDep, UploaderKey
from idp.api.problems import PROBLEM_RESPONSES
from idp.db.models import Webhook
from idp.egress import EgressPolicy, check_url
from idp.errors import ConflictError, InputError, NotFoundError
from idp.permissions import sees_everyones_webhooks
from idp.webhooks import EVENT_TYPES, describe, new_secret

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"], responses=PROBLEM_RESPONSES)


class WebhookIn(BaseModel):
    """A URL to call, and which events (all when empty)."""

    url: AnyHttpUrl = Field(max_length=2000)
    events: list[str] = Field(default_factory=list, max_length=10)


class WebhookOut(BaseModel):
    """A registered webhook."""

    id: str
    url: str
    events: list[str]
    created_at: str | None


class NewWebhookOut(WebhookOut):
    """A new webhook with its signing secret (``whsec_…``), shown this once."""

    secret: str


@router.post("", status_code=201, response_model=NewWebhookOut, summary="Register a webhook")
def create(
    body: WebhookIn, session: SessionDep, settings: SettingsDep, key: UploaderKey
) -> Any:
    """Events are signed per Standard Webhooks with the returned secret. A key hears about
    the documents it may read. URLs to private, loopback, link-local or metadata addresses,
    with credentials, or in unusual IP notations are refused (``422``); a key may hold at
    most ``webhooks.max_per_key`` webhooks (``409`` beyond)."""
    unknown = [e for e in body.events if e not in EVENT_TYPES]
    if unknown:
        raise InputError(f"unknown event types {unknown}; known: {list(EVENT_TYPES)}")
    check_url(str(body.url), EgressPolicy.from_entries(settings.webhooks.egress_allow))
    held = session.scalar(
        select(func.count()).select_from(Webhook).where(Webhook.owner_key_id == key.id)
    )
    if (held or 0) >= settings.webhooks.max_per_key:
        raise ConflictError(
            f"this key already has {held} webhooks, the most allowed; remove one first"
        )
    hook = Webhook(
        id=str(uuid.uuid4()),
        owner_key_id=key.id,
        url=str(body.url),
        secret=new_secret(),
        events=body.events,
    )
    session.add(hook)
    session.commit()
    return {**describe(hook), "secret": hook.secret}


@router.get("", response_model=list[WebhookOut], summary="List your webhooks")
def list_all(session: SessionDep, key: UploaderKey) -> Any:
    """Webhooks registered by this key (an admin sees all)."""
    stmt = select(Webhook).order_by(Webhook.created_at)
    if not sees_everyones_webhooks(key.role):
        stmt = stmt.where(Webhook.owner_key_id == key.id)
    return [describe(h) for h in session.scalars(stmt)]


@router.delete("/{hook_id}", status_code=204, summary="Remove a webhook")
def delete(
    hook_id: Annotated[str, Path(max_length=36)], session: SessionDep, key: UploaderKey
) -> None:
    """Stops deliveries to it, including pending ones."""
    hook = session.get(Webhook, hook_id)
    if hook is None or (not sees_everyones_webhooks(key.role) and hook.owner_key_id != key.id):
        raise NotFoundError(f"no webhook {hook_id!r}")
    session.delete(hook)
    session.commit()
