"""The notify service's unit of work: its repositories over one transaction, its rules, and its renderer."""

from dataclasses import dataclass, field
from datetime import time, timedelta
from uuid import UUID

import asyncpg
from pydantic import BaseModel

from notify.adapters.calendar_holdings import CalendarHoldings
from notify.adapters.dead_letters import DeadLetterRepository
from notify.adapters.deliveries import DeliveryRepository
from notify.adapters.feeds import CalendarFeeds
from notify.adapters.inbox import InboxRepository
from notify.adapters.read_models import ReadModels
from notify.adapters.timers import TimerRepository
from notify.service_layer.ports import Renderer
from outreach_shared.contracts import new_envelope
from outreach_shared.skeleton import Scope, UnitOfWork


@dataclass(frozen=True)
class Config:
    """Organisers, reminder offsets and the digest's time of day, from settings."""

    organisers: list[str] = field(default_factory=list)
    member_visit_reminders: list[timedelta] = field(default_factory=lambda: [timedelta(days=7), timedelta(days=1)])
    school_visit_reminders: list[timedelta] = field(default_factory=lambda: [timedelta(days=2)])
    gathering_reminders: list[timedelta] = field(default_factory=lambda: [timedelta(days=7), timedelta(days=1)])
    thank_you_after: timedelta = timedelta(hours=2)
    digest_at: time = time(7, 0)


class NotifyUnit(UnitOfWork):
    """One transaction of notify: deliveries, read models (contacts, visits, gatherings, preferences), calendar
    holdings and feeds, inbox items, timers and dead letters. With a renderer, members' inbox items are written as
    their notices are planned."""

    def __init__(
        self, conn: asyncpg.Connection, scope: Scope, *, config: Config | None = None, renderer: Renderer | None = None
    ) -> None:
        super().__init__(conn, scope)
        self.config = config or Config()
        self.renderer = renderer
        self.deliveries = DeliveryRepository(conn)
        self.read_models = ReadModels(conn)
        self.holdings = CalendarHoldings(conn)
        self.feeds = CalendarFeeds(conn)
        self.inbox = InboxRepository(conn)
        self.timers = TimerRepository(conn)
        self.dead_letters = DeadLetterRepository(conn)

    @property
    def event_id(self) -> UUID:
        """The id of the event being handled (notices are made once per event and recipient)."""
        if self.scope.causation_id is None:
            raise RuntimeError("this unit of work handles no event")
        return UUID(self.scope.causation_id)

    def emit_for(self, event: BaseModel, *, key: str, correlation_id: str, causation_id: str) -> None:
        """Record an event caused by something other than what this unit handles (a delivery's outcome, caused by
        its notice's event and carrying that event's correlation id)."""
        self.scope.emitted.append(new_envelope(event, key=key, producer=self.scope.producer,
                                               correlation_id=correlation_id, causation_id=causation_id))  # fmt: skip
