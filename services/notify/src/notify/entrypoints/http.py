"""HTTP: the member's inbox and preferences, and the organisers' delivery log."""

import re
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from starlette.datastructures import QueryParams

from notify.domain.preferences import Preferences
from notify.service_layer import inbox, reminders
from notify.settings import get_settings
from outreach_shared.auth import Principal
from outreach_shared.errors import Invalid
from outreach_shared.http import principal_dependency, require_role, role_dependency
from outreach_shared.runtime import Runtime, get_runtime

router = APIRouter(tags=["notifications"])
CurrentPrincipal = Annotated[
    Principal, Depends(principal_dependency(lambda: get_settings().jwt_secret.get_secret_value()))
]
OrganiserDep = Annotated[
    Principal, Depends(role_dependency(lambda: get_settings().jwt_secret.get_secret_value(), "organiser"))
]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


class InboxItem(BaseModel):
    """One notice in the member's inbox."""

    id: UUID
    notice_type: str
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None


class InboxPage(BaseModel):
    """The member's notices, newest first."""

    items: list[InboxItem]
    unread: int


class DeliveryView(BaseModel):
    """One delivery of a notice on one channel."""

    id: UUID
    event_id: UUID
    notice_type: str
    recipient: str
    channel: str
    status: str
    attempts: int
    last_error: str | None
    waiting_for: str | None
    next_attempt_at: datetime
    sent_at: datetime | None
    created_at: datetime
    fallback_of: UUID | None
    set_aside_at: datetime | None = None
    """When the worker gave up on it for a reason retrying cannot mend (the reason is in `last_error`)."""


def _member_id(principal: Principal) -> str:
    require_role(principal, "member")
    assert principal.member_id is not None
    return principal.member_id


@router.get("/v1/me/notifications", response_model=InboxPage, summary="My notifications, newest first")
async def my_notifications(principal: CurrentPrincipal, runtime: RuntimeDep) -> InboxPage:
    """The caller's inbox with the unread count."""
    async with runtime.pool.acquire() as conn:
        return InboxPage.model_validate(await inbox.list_inbox(conn, _member_id(principal)))


@router.post("/v1/me/notifications/{item_id}/read", response_model=InboxItem, summary="Mark a notification read")
async def read_notification(item_id: UUID, principal: CurrentPrincipal, runtime: RuntimeDep) -> InboxItem:
    """Mark one of the caller's notifications read (404 for someone else's)."""
    async with runtime.pool.acquire() as conn:
        return InboxItem.model_validate(await inbox.mark_read(conn, _member_id(principal), item_id))


ID = r"[A-Za-z0-9._-]{1,200}"
UUID_TEXT = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
RECIPIENT = rf"^((member|school):{ID}|organiser:[A-Za-z0-9._%+-]{{1,64}}@[A-Za-z0-9.-]{{1,255}}|{UUID_TEXT})$"
RECIPIENT_DOC = "member:ID (or the member's bare id), school:VISIT_ID or organiser:EMAIL"
REMINDER_SUBJECTS = ("visit_id", "gathering_id")


def _one_key(name: str) -> dict[str, Any]:
    properties = {name: {"type": "string", "pattern": f"^{ID}$"}}
    return {"type": "object", "properties": properties, "required": [name], "additionalProperties": False}


REMINDER_SUBJECT = {
    "name": "subject",
    "in": "query",
    "required": True,
    "style": "form",
    "explode": True,
    "description": "Exactly one of `visit_id=ID` and `gathering_id=ID`",
    "schema": {"oneOf": [_one_key(name) for name in REMINDER_SUBJECTS]},
}


@router.get("/v1/notifications", response_model=list[DeliveryView], summary="Deliveries to a recipient")
async def deliveries(
    _: OrganiserDep,
    runtime: RuntimeDep,
    recipient: Annotated[str, Query(pattern=RECIPIENT, description=RECIPIENT_DOC)],
) -> list[DeliveryView]:
    """Organisers: each delivery's channel, status and attempts (`recipient=member:ID`, a bare member id,
    `school:VISIT_ID` or `organiser:EMAIL`)."""
    async with runtime.pool.acquire() as conn:
        return [DeliveryView.model_validate(d) for d in await inbox.deliveries_for(conn, recipient)]


class ReminderView(BaseModel):
    """A scheduled reminder: who is reminded of what, when, and whether it is still pending."""

    key: str
    kind: str
    notice_type: str | None
    recipient: str | None
    due_at: datetime
    status: str
    fired_at: datetime | None


def reminder_subject(query: QueryParams) -> str:
    """`visit:ID` or `gathering:ID` from a query of exactly one of visit_id and gathering_id (422 otherwise)."""
    given = query.multi_items()
    unknown = sorted({k for k, _ in given} - set(REMINDER_SUBJECTS))
    if unknown:
        raise Invalid(f"unknown parameter {unknown[0]}; give visit_id or gathering_id", field=unknown[0])
    if len(given) != 1:
        raise Invalid("give exactly one of visit_id and gathering_id", field="visit_id")
    (name, value), = given
    if not re.fullmatch(ID, value):
        raise Invalid(f"{name} must be an id (letters, digits, '.', '_' and '-')", field=name)
    return f"{name.removesuffix('_id')}:{value}"


@router.get(
    "/v1/reminders",
    response_model=list[ReminderView],
    summary="Reminders of a visit or gathering",
    openapi_extra={"parameters": [REMINDER_SUBJECT]},
)
async def scheduled_reminders(_: OrganiserDep, runtime: RuntimeDep, request: Request) -> list[ReminderView]:
    """Organisers: every reminder set for a visit or a gathering (pending, done or cancelled)."""
    subject = reminder_subject(request.query_params)
    async with runtime.pool.acquire() as conn:
        return [ReminderView.model_validate(r) for r in await reminders.list_for(conn, subject)]


@router.get("/v1/me/preferences", response_model=Preferences, summary="My notification preferences")
async def my_preferences(principal: CurrentPrincipal, runtime: RuntimeDep) -> Preferences:
    """The caller's channels per notice type, language and quiet hours."""
    async with runtime.pool.acquire() as conn:
        return await inbox.get_preferences(conn, _member_id(principal))


@router.put("/v1/me/preferences", response_model=Preferences, summary="Set my notification preferences")
async def set_my_preferences(body: Preferences, principal: CurrentPrincipal, runtime: RuntimeDep) -> Preferences:
    """Replace the caller's preferences (urgent notices still use e-mail and ignore quiet hours)."""
    async with runtime.pool.acquire() as conn:
        return await inbox.set_preferences(conn, _member_id(principal), body)
