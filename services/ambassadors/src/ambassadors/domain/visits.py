"""A visit as the ambassadors service tracks it: its request, chosen window and team state."""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from ambassadors.domain.offers import Offer
from outreach_shared.contracts.booking import VisitRequested
from outreach_shared.contracts.common import TimeWindow

VisitStatus = Literal["open", "confirmed", "cancelled", "released"]
TeamEvent = Literal["confirmed", "changed"]


@dataclass(frozen=True)
class Visit:
    """A visit to staff. `round` grows on every reschedule, so earlier answers no longer count.

    `confirmed_once` is true when a team of this round was confirmed: a later full team of the same round is a
    change of that team; a reschedule starts a new round, whose first full team is a confirmation again (booking
    moved the visit back to requested and waits for `team.confirmed`)."""

    id: str
    request: VisitRequested
    status: VisitStatus = "open"
    round: int = 1
    window: TimeWindow | None = None
    confirmed_once: bool = False

    @property
    def team_size(self) -> int:
        """Seats on the team (at least one)."""
        return max(1, self.request.team_size)

    @property
    def is_live(self) -> bool:
        """Still being staffed or staffed (not cancelled or released)."""
        return self.status in ("open", "confirmed")

    def open_seats(self, offers: Sequence[Offer]) -> int:
        """Seats nobody holds (offered or accepted) in the current round."""
        return self.team_size - sum(o.holds_seat for o in offers if o.round == self.round)

    def after_answers(self, offers: Sequence[Offer]) -> tuple["Visit", TeamEvent | None]:
        """The visit once every seat is accepted (confirmed, or changed if it was confirmed before)."""
        accepted = sum(o.status == "accepted" for o in offers if o.round == self.round)
        if accepted < self.team_size:
            return (replace(self, status="open") if self.status == "confirmed" else self), None
        if self.status == "confirmed":
            return self, None
        event: TeamEvent = "changed" if self.confirmed_once else "confirmed"
        return replace(self, status="confirmed", confirmed_once=True), event

    def rescheduled(self, request: VisitRequested) -> "Visit":
        """A new round with new windows: earlier offers, answers and confirmations no longer count."""
        return replace(self, request=request, status="open", round=self.round + 1, window=None, confirmed_once=False)


@dataclass(frozen=True)
class OfferOfVisit:
    """An offer as its member sees it: with the visit's request and where the visit stands."""

    offer: Offer
    request: VisitRequested
    visit_status: VisitStatus
