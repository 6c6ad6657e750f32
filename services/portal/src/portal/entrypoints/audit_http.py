"""GET /v1/audit: the audit log, for national organisers, a page at a time (keyset: after the last (at, id))."""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from outreach_shared.errors import Invalid
from outreach_shared.skeleton import NationalOrganiser
from portal.adapters.audit import AuditQuery
from portal.domain.audit_cursors import cursor_of, place_of
from portal.entrypoints.dependencies import Begin
from portal.service_layer import audit

router = APIRouter(tags=["audit"])
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
NAME = r"^[A-Za-z0-9_:.\-]+$"


class AuditRecordOut(BaseModel):
    """One audit record: who (an account key such as `organiser:<id>`, a client id, or `anonymous`), what, on
    what, when and from which address. Never names, e-mail addresses or tokens."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str | None
    from_address: str | None
    details: dict[str, Any]


class AuditPageOut(BaseModel):
    """A page of records in the order asked (oldest first by default); `next` is the cursor for the following page
    (none after the last)."""

    records: list[AuditRecordOut]
    next: str | None = Field(description="Pass as `after` to read the next page")


def _bounded(value: datetime | None, name: str) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise Invalid("give a time zone (e.g. 2026-01-01T00:00:00Z)", field=name)
    if not EARLIEST <= value <= LATEST:
        raise Invalid("must lie between 2000 and 2100", field=name)
    return value


@router.get("/v1/audit", response_model=AuditPageOut, summary="The audit log (national organisers)",
            responses={401: {}, 403: {}, 422: {}})  # fmt: skip
async def read_audit(
    _: NationalOrganiser,
    begin: Begin,
    action: Annotated[str | None, Query(min_length=1, max_length=64, pattern=NAME)] = None,
    actor: Annotated[str | None, Query(min_length=1, max_length=200, pattern=NAME)] = None,
    since: Annotated[datetime | None, Query(alias="from", description="From this time (inclusive), 2000..2100")] = None,
    until: Annotated[datetime | None, Query(alias="to", description="Before this time, 2000..2100")] = None,
    after: Annotated[str | None, Query(max_length=200, description="The `next` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    order: Annotated[Literal["oldest", "newest"], Query(description="Oldest first, or newest first")] = "oldest",
) -> AuditPageOut:
    """Sign-ins, failed sign-ins, clients created and revoked, refused token requests and other audited actions,
    oldest first (or newest first), filtered by action, actor and time."""
    query = AuditQuery(limit=limit, action=action, actor=actor, since=_bounded(since, "from"),
                       until=_bounded(until, "to"), after=place_of(after), newest_first=order == "newest")  # fmt: skip
    async with begin() as uow:
        rows, more = await audit.read(uow, query)
    records = [AuditRecordOut(id=r.id, **vars(r.entry)) for r in rows]
    return AuditPageOut(records=records, next=cursor_of(rows[-1].entry.at, rows[-1].id) if more and rows else None)
