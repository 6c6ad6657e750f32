"""Fake repositories and ports of booking, in memory, for use cases run on a unit of work without a database."""

import copy
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from booking.domain.model import Visit
from booking.domain.new_visits import NewVisit, Outcome, StoredResponse
from booking.domain.values import Contact


class FakeVisits:
    """Visits by id; what a use case saves is a copy, as a database would hold it."""

    def __init__(self, *visits: Visit) -> None:
        self.saved = {v.id: copy.deepcopy(v) for v in visits}
        self.updates: list[str] = []

    async def get(self, visit_id: str, *, for_update: bool = False) -> Visit | None:
        visit = self.saved.get(visit_id)
        return copy.deepcopy(visit) if visit else None

    async def update(self, visit: Visit) -> None:
        visit.persisted_history = len(visit.history)
        self.saved[visit.id] = stored = copy.deepcopy(visit)
        stored.events = []  # a database keeps the state, not the events recorded on the way
        self.updates.append(visit.id)

    async def erase_member_first_name(self, member_id: str, placeholder: str) -> int:
        return 0


class FakeContacts:
    def __init__(self, **contacts: Contact) -> None:
        self.contacts = dict(contacts)

    async def get(self, visit_id: str) -> Contact | None:
        return self.contacts.get(visit_id)

    async def erase(self, visit_id: str) -> bool:
        return self.contacts.pop(visit_id, None) is not None


@dataclass
class FakeIgnoredEvents:
    recorded: dict[UUID, tuple[str, str, str, list[str]]] = field(default_factory=dict)

    async def add(self, *, event_id: UUID, event_type: str, visit_id: str, reason: str, member_ids: list[str]) -> bool:
        if event_id in self.recorded:
            return False
        self.recorded[event_id] = (event_type, visit_id, reason, member_ids)
        return True


@dataclass
class FakeNewVisits:
    """The writer of new visits: remembers what it was given and answers `outcome`."""

    outcome: Outcome = "created"
    max_open: int = 20
    written: list[NewVisit] = field(default_factory=list)

    async def add(self, new: NewVisit) -> Outcome:
        self.written.append(new)
        return self.outcome


@dataclass
class FakeKeys:
    """Idempotency keys used before, with their stored responses."""

    stored: dict[tuple[str, str], StoredResponse] = field(default_factory=dict)

    async def was_used(self, orgnr: str, key: str, request_hash: str) -> bool:
        return (orgnr, key) in self.stored

    async def get(self, orgnr: str, key: str) -> StoredResponse | None:
        return self.stored.get((orgnr, key))


@dataclass
class FakeFeedbackReminders:
    """Feedback reminders set (visit id -> due) and cancelled."""

    pending: dict[str, datetime] = field(default_factory=dict)
    cancelled: list[str] = field(default_factory=list)

    async def schedule(self, visit_id: str, due_at: datetime) -> None:
        self.pending[visit_id] = due_at

    async def cancel(self, visit_id: str) -> None:
        if self.pending.pop(visit_id, None) is not None:
            self.cancelled.append(visit_id)
