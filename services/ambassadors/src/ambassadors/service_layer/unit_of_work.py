"""The ambassadors service's unit of work: its repositories over one transaction, and its matching rules."""

from dataclasses import dataclass, field
from datetime import timedelta

import asyncpg

from ambassadors.adapters.attention import AttentionRepository
from ambassadors.adapters.candidates import CandidateRepository
from ambassadors.adapters.member_views import MemberViewRepository
from ambassadors.adapters.members import MemberRepository
from ambassadors.adapters.nearby import NearbyRepository
from ambassadors.adapters.offers import OfferRepository
from ambassadors.adapters.visits import VisitRepository
from ambassadors.domain.availability import Policy
from outreach_shared.bounds.times import TimeRules
from outreach_shared.skeleton import Scope, UnitOfWork
from outreach_shared.timers import TimerRepository


@dataclass(frozen=True)
class Config:
    """Offer deadlines and matching rules, from settings."""

    offer_ttl: timedelta = timedelta(hours=48)
    search_retry: timedelta = timedelta(hours=24)
    policy: Policy = field(default_factory=Policy)
    time_rules: TimeRules = field(default_factory=TimeRules)


class AmbassadorsUnit(UnitOfWork):
    """One transaction of the ambassadors service: the roster, offers, visits, candidates, timers and
    the members' own views."""

    def __init__(self, conn: asyncpg.Connection, scope: Scope, *, config: Config | None = None) -> None:
        super().__init__(conn, scope)
        self.config = config or Config()
        self.members = MemberRepository(conn)
        self.offers = OfferRepository(conn)
        self.visits = VisitRepository(conn)
        self.candidates = CandidateRepository(conn)
        self.timers = TimerRepository(conn)
        self.member_views = MemberViewRepository(conn)
        self.nearby = NearbyRepository(conn)
        self.attention = AttentionRepository(conn)
