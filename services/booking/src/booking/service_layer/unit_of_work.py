"""What every use case shares: the clock, the event sink, loading visible visits and saving with events."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Protocol

import asyncpg
from pydantic import BaseModel

from booking.adapters.visits import VisitRepository
from booking.domain.model import Visit
from outreach_shared.auth import Principal
from outreach_shared.contracts import Envelope
from outreach_shared.errors import NotFound
from outreach_shared.outbox import enqueue

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current time (UTC)."""
    return datetime.now(UTC)


class EventSink(Protocol):
    """Writes an event to the outbox in the current transaction."""

    def __call__(self, event: BaseModel, *, key: str) -> Awaitable[object]: ...


class EventWrapper(Protocol):
    """Wraps an event in this service's envelope (for writing it to the outbox oneself)."""

    def __call__(self, event: BaseModel, *, key: str) -> Envelope: ...


def outbox_sink(conn: asyncpg.Connection, wrap: EventWrapper) -> EventSink:
    """An event sink writing each event, wrapped by `wrap`, to the outbox in `conn`'s transaction."""

    async def emit(event: BaseModel, *, key: str) -> None:
        await enqueue(conn, wrap(event, key=key))

    return emit


def can_see(visit: Visit, caller: Principal) -> bool:
    """Organisers see every visit, a school its own, a member those whose team they are on."""
    if caller.role == "organiser":
        return True
    if caller.role == "school":
        return caller.orgnr is not None and caller.orgnr == visit.school.orgnr
    return caller.member_id is not None and caller.member_id in visit.team_member_ids


async def load_visible(repo: VisitRepository, visit_id: str, caller: Principal, *, for_update: bool = False) -> Visit:
    """The visit if the caller may see it; NotFound otherwise, so ids cannot be probed."""
    visit = await repo.get(visit_id, for_update=for_update)
    if visit is None or not can_see(visit, caller):
        raise NotFound(f"no visit request {visit_id}")
    return visit


async def save(repo: VisitRepository, visit: Visit, emit: EventSink) -> None:
    """Write the visit's changes and hand its recorded events to the outbox."""
    await repo.update(visit)
    await publish(visit, emit)


async def publish(visit: Visit, emit: EventSink) -> None:
    """Emit and forget the visit's recorded events, keyed by visit id."""
    for event in visit.events:
        await emit(event, key=visit.id)
    visit.events.clear()
