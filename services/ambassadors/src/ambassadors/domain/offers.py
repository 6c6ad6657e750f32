"""Offers and answers: who may answer, and which answers are allowed in which state."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from outreach_shared.contracts.common import TimeWindow
from outreach_shared.errors import Conflict, Forbidden

OfferStatus = Literal["offered", "accepted", "declined", "expired", "withdrawn", "released"]
Answer = Literal["accepted", "declined"]
HOLDING: frozenset[str] = frozenset({"offered", "accepted"})
"""States that hold a seat (and the member's time)."""
LATE_WITHDRAWAL = timedelta(hours=48)
"""A member withdrawing less than this before the visit starts is flagged to the organisers."""

_CLOSED_DETAIL = {
    "expired": "the offer expired at {expires} without an answer; it can no longer be answered",
    "withdrawn": "the offer was withdrawn (by you, or because the visit was cancelled, rescheduled or filled)",
    "released": "you were released from this visit; the offer can no longer be answered",
}


@dataclass(frozen=True)
class Offer:
    """A seat on a visit's team offered to one member."""

    id: str
    visit_id: str
    member_id: str
    round: int
    status: OfferStatus
    window: TimeWindow
    expires_at: datetime
    reason: str
    decline_reason: str | None = None
    """What the member said when declining or withdrawing (erased with them)."""
    override: bool = False
    """Made by an organiser for a named member, rather than by matching."""

    def answer(self, member_id: str, answer: Answer, now: datetime, reason: str | None = None) -> "Offer":
        """The offer after the member's answer; the same offer when they repeat it."""
        if member_id != self.member_id:
            raise Forbidden("this offer was made to another member")
        if self.status == answer:
            return self
        if self.status in _CLOSED_DETAIL:
            raise Conflict(_CLOSED_DETAIL[self.status].format(expires=self.expires_at.isoformat()))
        if self.status != "offered":
            raise Conflict(f"the offer was already {self.status}; contact the organiser to change it")
        if now >= self.expires_at:
            raise Conflict(_CLOSED_DETAIL["expired"].format(expires=self.expires_at.isoformat()))
        return replace(self, status=answer, decline_reason=reason if answer == "declined" else None)

    def withdraw(self, member_id: str, reason: str, now: datetime) -> "Offer":
        """The member gives back a seat they accepted, before the visit starts (409 otherwise)."""
        if member_id != self.member_id:
            raise Forbidden("this offer was made to another member")
        if self.status != "accepted":
            raise Conflict(f"only an accepted offer can be withdrawn; this one is {self.status}")
        if now >= self.window.start:
            raise Conflict(
                f"the visit started at {self.window.start.isoformat()}; it can no longer be withdrawn from: "
                "contact the organiser"
            )
        return replace(self, status="withdrawn", decline_reason=reason)

    def is_late_withdrawal(self, now: datetime) -> bool:
        """Whether giving the seat back now leaves less than 48 hours to find someone else."""
        return self.window.start - now < LATE_WITHDRAWAL

    def close(self, status: Literal["expired", "withdrawn", "released"]) -> "Offer":
        """The offer ended without (or despite) an answer."""
        return replace(self, status=status)

    @property
    def holds_seat(self) -> bool:
        """Offered or accepted."""
        return self.status in HOLDING
