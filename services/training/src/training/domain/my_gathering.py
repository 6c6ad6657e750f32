"""A gathering as one member sees it: their own state in it, their check-in code and their proof of training."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from training.domain.codes import grouped
from training.domain.errors import GatheringNotFound, WrongGatheringState
from training.domain.gathering import Counts, Gathering, GatheringStatus
from training.domain.registration import Registration, RegistrationStatus


class MyState(StrEnum):
    """Where the member stands at the gathering."""

    INVITED = "invited"
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    OFFERED = "offered"
    WITHDRAWN = "withdrawn"
    CHECKED_IN = "checked_in"
    TRAINED = "trained"


HAS_CODE = frozenset({MyState.REGISTERED, MyState.CHECKED_IN, MyState.TRAINED})
_BY_STATUS = {
    RegistrationStatus.CONFIRMED: MyState.REGISTERED,
    RegistrationStatus.WAITLISTED: MyState.WAITLISTED,
    RegistrationStatus.OFFERED: MyState.OFFERED,
    RegistrationStatus.WITHDRAWN: MyState.WITHDRAWN,
    RegistrationStatus.LAPSED: MyState.WITHDRAWN,  # the offer lapsed: the member no longer holds or awaits a place
}


@dataclass(frozen=True)
class MyGathering:
    """A gathering the member is invited to or registered for, with their registration (None: only invited)."""

    gathering: Gathering
    counts: Counts
    registration: Registration | None

    @property
    def state(self) -> MyState:
        """The member's state, from invited to trained."""
        r = self.registration
        if r is None:
            return MyState.INVITED
        if r.checked_in_at is not None:
            return MyState.TRAINED if self.gathering.status == GatheringStatus.COMPLETED else MyState.CHECKED_IN
        return _BY_STATUS[r.status]

    @property
    def places_left(self) -> int:
        """Places neither confirmed nor offered."""
        return max(self.gathering.capacity - self.counts.registered - self.counts.offered, 0)

    @property
    def check_in_code(self) -> str | None:
        """The code to show at the door (grouped), while the member has a confirmed place."""
        return grouped(self.registration.check_in_code) if self.registration and self.state in HAS_CODE else None

    def can_register(self, *, now: datetime) -> bool:
        """Whether the member may register (again) now."""
        active = self.registration is not None and self.registration.is_active
        return not active and self.gathering.registration_open(now=now)

    def can_withdraw(self, *, now: datetime) -> bool:
        """Whether the member holds or awaits a place and may still give it up."""
        return self.registration is not None and self.registration.is_active and self.gathering.withdrawal_open(now=now)


@dataclass(frozen=True)
class Certificate:
    """Proof that a member was trained at a completed gathering (no name: this service does not know it)."""

    verification_code: str
    gathering: Gathering

    @property
    def completed_at(self) -> datetime:
        """When the gathering was completed."""
        assert self.gathering.completed_at is not None
        return self.gathering.completed_at


def certificate_of(g: Gathering, r: Registration | None) -> Certificate:
    """The member's proof of training; 409 before the gathering is completed, 404 if they were not checked in."""
    if g.status != GatheringStatus.COMPLETED or g.completed_at is None:
        raise WrongGatheringState(f"no proof of training yet: the gathering is {g.status}")
    if r is None or r.checked_in_at is None or r.verification_code is None:
        raise GatheringNotFound("no proof of training: you were not checked in at this gathering")
    return Certificate(grouped(r.verification_code), g)
