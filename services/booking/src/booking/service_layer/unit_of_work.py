"""Booking's units of work (a transaction with the visit repositories; a create's, which has none) and what every
use case shares: loading the visits a caller may see and saving them with their events."""

from typing import cast

import asyncpg

from booking.adapters.contacts import ContactRepository
from booking.adapters.feedback_reminders import FeedbackReminders
from booking.adapters.ignored_events import IgnoredEventRepository
from booking.adapters.queries import VisitQueries
from booking.adapters.surveys import SurveyRepository
from booking.adapters.visits import VisitRepository
from booking.domain.feedback import FeedbackPolicy
from booking.domain.model import ShownVisit, Visit
from booking.domain.times import WindowPolicy
from booking.service_layer.ports import IdempotencyKeys, NewVisits
from outreach_shared.auth import Principal
from outreach_shared.errors import NotFound
from outreach_shared.skeleton import Scope, UnitOfWork

DEFAULT_POLICY = WindowPolicy()
DEFAULT_FEEDBACK = FeedbackPolicy()


class BookingUnit(UnitOfWork):
    """One transaction of booking: visits, their contacts, the ignored team events, the feedback reminders, the read
    queries and the pupils' surveys."""

    def __init__(self, conn: asyncpg.Connection, scope: Scope, *, policy: WindowPolicy = DEFAULT_POLICY,
                 feedback: FeedbackPolicy = DEFAULT_FEEDBACK) -> None:  # fmt: skip
        super().__init__(conn, scope)
        self.policy = policy
        self.feedback = feedback
        self.feedback_reminders = FeedbackReminders(conn)
        self.visits = VisitRepository(conn)
        self.contacts = ContactRepository(conn)
        self.ignored_events = IgnoredEventRepository(conn)
        self.queries = VisitQueries(conn)
        self.surveys = SurveyRepository(conn)


class NewVisitUnit(UnitOfWork):
    """A create's unit of work. It has no connection: the writer of new visits (`new_visits`) writes the visit, its
    key and the events emitted here in one statement of its own, together with others arriving at the same time."""

    def __init__(self, conn: asyncpg.Connection | None, scope: Scope, *, new_visits: NewVisits | None = None,
                 keys: IdempotencyKeys | None = None, policy: WindowPolicy = DEFAULT_POLICY) -> None:  # fmt: skip
        super().__init__(cast(asyncpg.Connection, conn), scope)
        self.new_visits = cast(NewVisits, new_visits)
        self.keys = cast(IdempotencyKeys, keys)
        self.policy = policy


def can_see(visit: Visit, caller: Principal) -> bool:
    """Organisers see the visits to schools in their region, a school its own, a member those whose team they are
    on."""
    if caller.role == "organiser":
        return caller.region.covers(visit.school.kommunenummer)
    if caller.role == "school":
        return caller.orgnr is not None and caller.orgnr == visit.school.orgnr
    return caller.member_id is not None and caller.member_id in visit.team_member_ids


async def load_visible(uow: BookingUnit, visit_id: str, caller: Principal, *, for_update: bool = False) -> Visit:
    """The visit if the caller may see it; NotFound otherwise, so ids cannot be probed."""
    visit = await uow.visits.get(visit_id, for_update=for_update)
    if visit is None or not can_see(visit, caller):
        raise NotFound(f"no visit request {visit_id}")
    return visit


async def shown(uow: BookingUnit, visit: Visit, caller: Principal) -> ShownVisit:
    """The visit with its contact person as `caller` may see it: its school and organisers do, members do not."""
    return ShownVisit(visit, None if caller.role == "member" else await uow.contacts.get(visit.id))


async def save(uow: BookingUnit, visit: Visit) -> None:
    """Write the visit's changes and emit its recorded events."""
    await uow.visits.update(visit)
    await publish(uow, visit)


async def publish(uow: UnitOfWork, visit: Visit) -> None:
    """Emit and forget the visit's recorded events, keyed by visit id."""
    for event in visit.events:
        await uow.emit(event, key=visit.id)
    visit.events.clear()
