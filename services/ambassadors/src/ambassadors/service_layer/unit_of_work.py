"""The context of one use case: a connection inside a transaction, an outbox to emit to, the clock."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import asyncpg
from pydantic import BaseModel

from ambassadors.adapters.members import MemberRepository
from ambassadors.adapters.offers import OfferRepository
from ambassadors.adapters.visits import VisitRepository
from ambassadors.domain.availability import Policy
from outreach_shared.bounds.times import TimeRules

Emit = Callable[[BaseModel, str], Awaitable[object]]
"""Writes (event, key) to the outbox in the current transaction."""


@dataclass(frozen=True)
class Config:
    """Offer deadlines and matching rules, from settings."""

    offer_ttl: timedelta = timedelta(hours=48)
    search_retry: timedelta = timedelta(hours=24)
    policy: Policy = field(default_factory=Policy)
    time_rules: TimeRules = field(default_factory=TimeRules)


@dataclass
class Work:
    """One unit of work: repositories over one transaction, and where its events go."""

    conn: asyncpg.Connection
    emit_to_outbox: Emit
    correlation_id: str
    config: Config
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    async def emit(self, event: BaseModel, *, key: str) -> None:
        """Record an event in this transaction."""
        await self.emit_to_outbox(event, key)

    @property
    def members(self) -> MemberRepository:
        """The roster."""
        return MemberRepository(self.conn)

    @property
    def offers(self) -> OfferRepository:
        """Offers."""
        return OfferRepository(self.conn)

    @property
    def visits(self) -> VisitRepository:
        """Visits being staffed."""
        return VisitRepository(self.conn)
