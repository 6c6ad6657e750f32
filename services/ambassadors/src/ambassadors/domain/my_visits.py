"""What a member sees of their own visits and totals: the team, what is expected of them, and what they did."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from ambassadors.domain.availability import OSLO
from ambassadors.domain.offers import Offer
from ambassadors.domain.visits import VisitStatus
from outreach_shared.contracts.booking import VisitRequested
from outreach_shared.contracts.common import Profession

Action = Literal["answer_offer", "report"]
SCHOOL_YEAR_STARTS = (8, 1)
"""The school year counted in a member's totals runs from 1 August to 31 July."""


@dataclass(frozen=True)
class Teammate:
    """A member of the visit's team as a teammate sees them."""

    first_name: str
    profession: Profession


@dataclass(frozen=True)
class Expected:
    """Something the member still has to do for a visit, and by when (if there is a deadline)."""

    action: Action
    due: datetime | None = None


@dataclass(frozen=True)
class MyVisit:
    """A visit the member is offered or holds a seat on, with its team."""

    offer: Offer
    request: VisitRequested
    visit_status: VisitStatus
    reported: bool
    team: tuple[Teammate, ...] = ()

    @property
    def status(self) -> VisitStatus | Literal["completed"]:
        """Where the visit stands: `completed` once reported, else as staffing sees it."""
        return "completed" if self.reported else self.visit_status

    def is_upcoming(self, now: datetime) -> bool:
        """Not over yet."""
        return self.offer.window.end > now

    def expected(self, now: datetime) -> list[Expected]:
        """An open offer to answer before it expires; a report once a visit the member is on has started."""
        offer = self.offer
        if offer.status == "offered" and now < offer.expires_at:
            return [Expected("answer_offer", offer.expires_at)]
        if offer.status == "accepted" and self.visit_status == "confirmed" and not self.reported:
            return [Expected("report")] if now >= offer.window.start else []
        return []


@dataclass(frozen=True)
class Totals:
    """Visits done and pupils reached."""

    visits: int = 0
    pupils_reached: int = 0


@dataclass(frozen=True)
class MemberStats:
    """A member's own totals from the visits reported: this school year (from `school_year_from`) and all time."""

    school_year_from: date
    this_school_year: Totals
    all_time: Totals


def school_year_start(now: datetime) -> date:
    """The first day of the school year `now` falls in (Oslo time)."""
    today = now.astimezone(OSLO).date()
    month, day = SCHOOL_YEAR_STARTS
    return date(today.year if (today.month, today.day) >= (month, day) else today.year - 1, month, day)
