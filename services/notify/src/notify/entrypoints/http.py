"""HTTP: the member's inbox and preferences, and the organisers' delivery log."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from notify.domain.preferences import Preferences
from notify.service_layer import inbox, reminders
from notify.settings import get_settings
from outreach_shared.auth import Principal
from outreach_shared.errors import Invalid
from outreach_shared.http import principal_dependency, require_role
from outreach_shared.runtime import Runtime, get_runtime

router = APIRouter(tags=["notifications"])
CurrentPrincipal = Annotated[
    Principal, Depends(principal_dependency(lambda: get_settings().jwt_secret.get_secret_value()))
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


@router.get("/v1/notifications", response_model=list[DeliveryView], summary="Deliveries to a recipient")
async def deliveries(
    principal: CurrentPrincipal, runtime: RuntimeDep, recipient: Annotated[str, Query(min_length=3)]
) -> list[DeliveryView]:
    """Organisers: each delivery's channel, status and attempts (`recipient=member:ID` or `school:VISIT_ID`)."""
    require_role(principal, "organiser")
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


@router.get("/v1/reminders", response_model=list[ReminderView], summary="Reminders of a visit or gathering")
async def scheduled_reminders(
    principal: CurrentPrincipal,
    runtime: RuntimeDep,
    visit_id: Annotated[str | None, Query()] = None,
    gathering_id: Annotated[str | None, Query()] = None,
) -> list[ReminderView]:
    """Organisers: every reminder set for a visit or a gathering (pending, done or cancelled)."""
    require_role(principal, "organiser")
    if (visit_id is None) == (gathering_id is None):
        raise Invalid("give exactly one of visit_id and gathering_id", field="visit_id")
    subject = f"visit:{visit_id}" if visit_id else f"gathering:{gathering_id}"
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
