"""Training's unit of work: its repositories over one transaction, the place-offer deadline and the date rules."""

from datetime import timedelta

import asyncpg

from outreach_shared.bounds.times import TimeRules
from outreach_shared.skeleton import Scope, UnitOfWork
from outreach_shared.timers import TimerRepository
from training.adapters.gatherings import GatheringRepository
from training.adapters.registrations import RegistrationRepository
from training.adapters.roster import InvitationRepository, RosterRepository

DEFAULT_OFFER_TTL = timedelta(hours=48)


class TrainingUnit(UnitOfWork):
    """One transaction of the training service: gatherings, registrations, the roster, invitations and timers."""

    def __init__(
        self,
        conn: asyncpg.Connection,
        scope: Scope,
        *,
        offer_ttl: timedelta = DEFAULT_OFFER_TTL,
        time_rules: TimeRules | None = None,
    ) -> None:
        super().__init__(conn, scope)
        self.offer_ttl = offer_ttl
        """How long a freed place stays offered to the next on the waiting list."""
        self.time_rules = time_rules or TimeRules()
        """The bounds of gathering dates."""
        self.gatherings = GatheringRepository(conn)
        self.registrations = RegistrationRepository(conn)
        self.roster = RosterRepository(conn)
        self.invitations = InvitationRepository(conn)
        self.timers = TimerRepository(conn)
