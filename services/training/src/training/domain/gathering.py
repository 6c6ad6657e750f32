"""The gathering aggregate: its lifecycle, who it invites and when members may act."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from outreach_shared.bounds.times import TimeRules
from outreach_shared.contracts.common import Profession, Venue
from outreach_shared.regions import Region
from training.domain.errors import RegistrationRefused, WrongGatheringState
from training.domain.roster import RosterMember
from training.domain.schedule import Schedule, Session, check_schedule, check_sessions

OSLO = ZoneInfo("Europe/Oslo")
REMINDER_BEFORE_CLOSE = timedelta(days=7)
CHECK_IN_OPENS_BEFORE_START = timedelta(days=1)


class GatheringStatus(StrEnum):
    """Where a gathering is in its life."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


@dataclass(frozen=True)
class Gathering:
    """An annual gathering for patrols and ambassadors."""

    id: str
    title: str
    venue: Venue
    region: tuple[str, ...]
    audience: tuple[Profession, ...]
    capacity: int
    schedule: Schedule
    sessions: tuple[Session, ...] = ()
    status: GatheringStatus = GatheringStatus.DRAFT
    cancel_reason: str | None = None
    completed_at: datetime | None = None

    def check(self, *, now: datetime, rules: TimeRules) -> None:
        """Raise InvalidSchedule unless every date makes sense and keeps the time rules."""
        check_schedule(self.schedule, now=now, rules=rules)
        check_sessions(self.sessions, self.schedule)

    def _require_status(self, *allowed: GatheringStatus, action: str) -> None:
        if self.status not in allowed:
            raise WrongGatheringState(f"cannot {action}: the gathering is {self.status}")

    def revise(self, **changes: object) -> "Gathering":
        """The draft with changed details (dates re-checked by the caller)."""
        self._require_status(GatheringStatus.DRAFT, action="change it")
        return replace(self, **changes)  # type: ignore[arg-type]

    def publish(self, *, now: datetime) -> "Gathering":
        """The published gathering; registration must not have closed yet."""
        self._require_status(GatheringStatus.DRAFT, action="publish it")
        if self.schedule.registration_closes <= now:
            raise WrongGatheringState("cannot publish it: registration has already closed")
        return replace(self, status=GatheringStatus.PUBLISHED)

    def cancel(self, reason: str) -> "Gathering":
        """The cancelled gathering."""
        self._require_status(GatheringStatus.DRAFT, GatheringStatus.PUBLISHED, action="cancel it")
        return replace(self, status=GatheringStatus.CANCELLED, cancel_reason=reason)

    def complete(self, *, now: datetime) -> "Gathering":
        """The completed gathering; it must have started."""
        self._require_status(GatheringStatus.PUBLISHED, action="complete it")
        if now < self.schedule.starts_at:
            raise WrongGatheringState("cannot complete it: the gathering has not started yet")
        return replace(self, status=GatheringStatus.COMPLETED, completed_at=now)

    @property
    def year(self) -> int:
        """The training year: the year it starts, in Norway."""
        return self.schedule.starts_at.astimezone(OSLO).year

    @property
    def reminder_due_at(self) -> datetime:
        """When invited members who have not answered are reminded."""
        return self.schedule.registration_closes - REMINDER_BEFORE_CLOSE

    def within(self, area: Region) -> bool:
        """Whether an organiser of `area` sees and runs this gathering: its venue or one of its counties is there."""
        return area.covers(self.venue.kommunenummer) or (bool(self.region) and area.covers_any_county(self.region))

    def invites(self, member: RosterMember) -> bool:
        """Whether the member is eligible: active, in the audience and in the region (empty = national)."""
        in_region = not self.region or member.county in self.region
        return member.active and member.profession in self.audience and in_region

    def accepts_invitations(self, *, now: datetime) -> bool:
        """Whether newly eligible members are still invited."""
        return self.status == GatheringStatus.PUBLISHED and now < self.schedule.registration_closes

    def registration_open(self, *, now: datetime) -> bool:
        """Whether members may register now."""
        s = self.schedule
        return self.status == GatheringStatus.PUBLISHED and s.registration_opens <= now < s.registration_closes

    def withdrawal_open(self, *, now: datetime) -> bool:
        """Whether members may still withdraw."""
        return self.status == GatheringStatus.PUBLISHED and now < self.schedule.withdrawal_deadline

    def check_registration_open(self, *, now: datetime) -> None:
        """Raise RegistrationRefused outside the registration window."""
        self._require_status(GatheringStatus.PUBLISHED, action="register")
        if now < self.schedule.registration_opens:
            opens = self.schedule.registration_opens.isoformat()
            raise RegistrationRefused(f"registration has not opened yet: it opens at {opens}")
        if now >= self.schedule.registration_closes:
            closes = self.schedule.registration_closes.isoformat()
            raise RegistrationRefused(f"registration closed at {closes}")

    def check_withdrawal_allowed(self, *, now: datetime) -> None:
        """Raise WrongGatheringState after the withdrawal deadline."""
        self._require_status(GatheringStatus.PUBLISHED, action="withdraw")
        if now >= self.schedule.withdrawal_deadline:
            deadline = self.schedule.withdrawal_deadline.isoformat()
            raise WrongGatheringState(f"the withdrawal deadline passed at {deadline}")

    def check_check_in_allowed(self, *, now: datetime) -> None:
        """Raise WrongGatheringState unless members can be checked in now (from the day before it starts)."""
        self._require_status(GatheringStatus.PUBLISHED, action="check in")
        if now < self.schedule.starts_at - CHECK_IN_OPENS_BEFORE_START:
            raise WrongGatheringState("check-in opens the day before the gathering starts")

    def offers_places(self, *, now: datetime) -> bool:
        """Whether freed places are still offered to the waiting list."""
        return self.status == GatheringStatus.PUBLISHED and now < self.schedule.starts_at

    def offer_expiry(self, *, now: datetime, ttl: timedelta) -> datetime:
        """When a place offered now lapses: after the TTL, but never after the gathering starts."""
        return min(now + ttl, self.schedule.starts_at)


@dataclass(frozen=True)
class Counts:
    """How many members are invited, registered, waiting, offered a place and checked in."""

    invited: int = 0
    registered: int = 0
    waiting: int = 0
    offered: int = 0
    checked_in: int = 0


@dataclass(frozen=True)
class GatheringView:
    """A gathering with its counts, as the organiser sees it."""

    gathering: Gathering
    counts: Counts = Counts()
