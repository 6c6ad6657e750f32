"""HTTP: the member's inbox and preferences, and the organisers' delivery log and reminders."""

import re
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from starlette.datastructures import QueryParams

from notify.domain.preferences import Preferences
from notify.entrypoints.dependencies import Begin, MemberId
from notify.entrypoints.schemas import DeliveryOut, InboxItemOut, InboxPageOut, ReminderOut
from notify.service_layer import inbox, reminders
from outreach_shared.errors import Invalid
from outreach_shared.http import Offset
from outreach_shared.skeleton import NationalOrganiser

router = APIRouter(tags=["notifications"])


@router.get("/v1/me/notifications", response_model=InboxPageOut, summary="My notifications, newest first")
async def my_notifications(member_id: MemberId, begin: Begin) -> InboxPageOut:
    """The caller's inbox with the unread count."""
    async with begin() as uow:
        page = await inbox.list_inbox(uow, member_id)
    return InboxPageOut.of(page)


@router.post("/v1/me/notifications/{item_id}/read", response_model=InboxItemOut, summary="Mark a notification read")
async def read_notification(item_id: UUID, member_id: MemberId, begin: Begin) -> InboxItemOut:
    """Mark one of the caller's notifications read (404 for someone else's)."""
    async with begin() as uow:
        item = await inbox.mark_read(uow, member_id, item_id)
    return InboxItemOut.of(item)


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


@router.get("/v1/notifications", response_model=list[DeliveryOut], summary="Deliveries to a recipient")
async def deliveries(
    _: NationalOrganiser,
    begin: Begin,
    recipient: Annotated[str, Query(pattern=RECIPIENT, description=RECIPIENT_DOC)],
    limit: Annotated[int, Query(ge=1, le=1000, description="Deliveries per page")] = 200,
    offset: Offset = 0,
) -> list[DeliveryOut]:
    """Organisers: each delivery's channel, status and attempts (`recipient=member:ID`, a bare member id,
    `school:VISIT_ID` or `organiser:EMAIL`), newest first; a page shorter than `limit` is the last."""
    async with begin() as uow:
        found = await inbox.deliveries_for(uow, recipient, limit=limit, offset=offset)
    return [DeliveryOut.of(d) for d in found]


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
    response_model=list[ReminderOut],
    summary="Reminders of a visit or gathering",
    openapi_extra={"parameters": [REMINDER_SUBJECT]},
)
async def scheduled_reminders(_: NationalOrganiser, begin: Begin, request: Request) -> list[ReminderOut]:
    """Organisers: every reminder set for a visit or a gathering (pending, done or cancelled)."""
    subject = reminder_subject(request.query_params)
    async with begin() as uow:
        found = await reminders.list_for(uow, subject)
    return [ReminderOut.of(r) for r in found]


@router.get("/v1/me/preferences", response_model=Preferences, summary="My notification preferences")
async def my_preferences(member_id: MemberId, begin: Begin) -> Preferences:
    """The caller's channels per notice type, language and quiet hours."""
    async with begin() as uow:
        return await inbox.get_preferences(uow, member_id)


@router.put("/v1/me/preferences", response_model=Preferences, summary="Set my notification preferences")
async def set_my_preferences(body: Preferences, member_id: MemberId, begin: Begin) -> Preferences:
    """Replace the caller's preferences (urgent notices still use e-mail and ignore quiet hours)."""
    async with begin() as uow:
        return await inbox.set_preferences(uow, member_id, body)
