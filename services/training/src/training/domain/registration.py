"""Registrations: confirmed while places remain, otherwise a waiting list with offers of freed places."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from training.domain.errors import RegistrationRefused, WrongGatheringState


class RegistrationStatus(StrEnum):
    """Where a member's registration stands."""

    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"
    WITHDRAWN = "withdrawn"
    LAPSED = "lapsed"


HOLDS_PLACE = frozenset({RegistrationStatus.CONFIRMED, RegistrationStatus.OFFERED})
ACTIVE = HOLDS_PLACE | {RegistrationStatus.WAITLISTED}


@dataclass(frozen=True)
class Needs:
    """What the organiser must know to host the member (personal data)."""

    dietary: str | None = None
    accessibility: str | None = None
    needs_accommodation: bool = False


@dataclass(frozen=True)
class Registration:
    """A member's registration for a gathering."""

    id: str
    gathering_id: str
    member_id: str
    status: RegistrationStatus
    needs: Needs
    registered_at: datetime
    position: int | None = None
    offer_expires_at: datetime | None = None
    checked_in_at: datetime | None = None
    check_in_code: str = ""
    """Shown to the member as a QR code and typed or scanned at the door (stored without the dash)."""
    verification_code: str | None = None
    """The proof of training's code, once the gathering is completed with the member checked in."""

    @property
    def is_active(self) -> bool:
        """Confirmed, offered or waiting."""
        return self.status in ACTIVE


@dataclass(frozen=True)
class Occupancy:
    """How full a gathering is."""

    capacity: int
    holding: int
    waiting: int

    @property
    def free(self) -> int:
        """Places neither confirmed nor offered."""
        return max(self.capacity - self.holding, 0)

    def status_for_newcomer(self) -> RegistrationStatus:
        """A new registration gets a free place unless others are already waiting for one."""
        if self.free > 0 and self.waiting == 0:
            return RegistrationStatus.CONFIRMED
        return RegistrationStatus.WAITLISTED

    def places_to_offer(self) -> int:
        """How many waiting members should be offered a freed place now."""
        return min(self.free, self.waiting)


def check_may_register(*, invited: bool, existing: Registration | None) -> None:
    """Raise RegistrationRefused unless the member is invited and not already registered."""
    if not invited:
        raise RegistrationRefused("you are not invited to this gathering (it is for another region or audience)")
    if existing is not None and existing.is_active:
        raise RegistrationRefused(f"you are already registered for this gathering ({existing.status})")


def check_may_accept(registration: Registration, *, now: datetime) -> None:
    """Raise WrongGatheringState unless the member holds an unexpired offer."""
    if registration.status != RegistrationStatus.OFFERED or registration.offer_expires_at is None:
        raise WrongGatheringState(f"you have no place offered to accept (you are {registration.status})")
    if now >= registration.offer_expires_at:
        raise WrongGatheringState(f"the offer lapsed at {registration.offer_expires_at.isoformat()}")
