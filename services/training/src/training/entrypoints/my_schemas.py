"""The members' own gatherings and the proof of training: response bodies."""

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, Field

from outreach_shared.contracts.common import Venue
from training.domain.gathering import GatheringStatus
from training.domain.my_gathering import Certificate, MyGathering, MyState
from training.entrypoints.schemas import SessionIn


class MyGatheringOut(BaseModel):
    """A gathering the calling member is invited to or registered for, with their own state in it."""

    id: str
    title: str
    status: GatheringStatus = Field(description="The gathering's status (drafts are never shown)")
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    sessions: list[SessionIn]
    venue: Venue
    region: list[str] = Field(description="County numbers; empty = national")
    registration_opens: AwareDatetime
    registration_closes: AwareDatetime
    withdrawal_deadline: AwareDatetime = Field(description="Until when the member may withdraw")
    capacity: int
    places_left: int = Field(description="Places neither confirmed nor offered")
    cancel_reason: str | None
    completed_at: AwareDatetime | None
    my_state: MyState
    waitlist_position: int | None = Field(description="1 = next in line; when my_state is waitlisted")
    offer_expires_at: AwareDatetime | None = Field(description="When the offered place lapses; when offered")
    registered_at: AwareDatetime | None
    checked_in_at: AwareDatetime | None
    dietary: str | None
    accessibility: str | None
    needs_accommodation: bool
    check_in_code: str | None = Field(
        description="e.g. `K7QX-M2PD`, for the QR code the organiser scans; while the member has a confirmed place",
        examples=["K7QX-M2PD"],
    )
    can_register: bool = Field(description="Registration is open and the member holds or awaits no place")
    can_withdraw: bool = Field(description="The member holds or awaits a place and the deadline has not passed")

    @classmethod
    def of(cls, m: MyGathering, *, now: datetime) -> "MyGatheringOut":
        """The response for the member's gathering as it stands at `now`."""
        g, s, r = m.gathering, m.gathering.schedule, m.registration
        return cls(
            id=g.id,
            title=g.title,
            status=g.status,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            sessions=[
                SessionIn(title=x.title, kind=x.kind, starts_at=x.starts_at, ends_at=x.ends_at) for x in g.sessions
            ],  # fmt: skip
            venue=g.venue,
            region=list(g.region),
            registration_opens=s.registration_opens,
            registration_closes=s.registration_closes,
            withdrawal_deadline=s.withdrawal_deadline,
            capacity=g.capacity,
            places_left=m.places_left,
            cancel_reason=g.cancel_reason,
            completed_at=g.completed_at,
            my_state=m.state,
            waitlist_position=r.position if r and m.state == MyState.WAITLISTED else None,
            offer_expires_at=r.offer_expires_at if r and m.state == MyState.OFFERED else None,
            registered_at=r.registered_at if r else None,
            checked_in_at=r.checked_in_at if r else None,
            dietary=r.needs.dietary if r else None,
            accessibility=r.needs.accessibility if r else None,
            needs_accommodation=r.needs.needs_accommodation if r else False,
            check_in_code=m.check_in_code,
            can_register=m.can_register(now=now),
            can_withdraw=m.can_withdraw(now=now),
        )


class CertificateOut(BaseModel):
    """Proof of training at a completed gathering (no name: the training service does not know members' names)."""

    verification_code: str = Field(description="e.g. `K7QX-M2PD-4RTA-9WXE`; anyone can check it at "
                                   "`GET /v1/certificates/{verification_code}`")  # fmt: skip
    gathering_id: str
    title: str
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    region: list[str] = Field(description="County numbers; empty = national")
    completed_at: AwareDatetime

    @classmethod
    def of(cls, c: Certificate) -> "CertificateOut":
        """The response for a proof of training."""
        g = c.gathering
        return cls(verification_code=c.verification_code, gathering_id=g.id, title=g.title,
                   starts_at=g.schedule.starts_at, ends_at=g.schedule.ends_at, region=list(g.region),
                   completed_at=c.completed_at)  # fmt: skip


class CertificateCheckOut(BaseModel):
    """A verification code confirmed genuine: the gathering it proves training at, and nothing about the person."""

    genuine: bool = Field(default=True, description="Always true: an unknown code answers 404")
    verification_code: str
    title: str
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    region: list[str] = Field(description="County numbers; empty = national")
    completed_at: AwareDatetime

    @classmethod
    def of(cls, c: Certificate) -> "CertificateCheckOut":
        """The public answer for a proof of training."""
        g = c.gathering
        return cls(verification_code=c.verification_code, title=g.title, starts_at=g.schedule.starts_at,
                   ends_at=g.schedule.ends_at, region=list(g.region), completed_at=c.completed_at)  # fmt: skip


class MemberGatheringOut(BaseModel):
    """A gathering a member is invited to or registered for, as an organiser sees it on the member's page."""

    id: str
    title: str
    status: GatheringStatus
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    state: MyState = Field(description="Where the member stands: from invited to trained")
    checked_in_at: AwareDatetime | None

    @classmethod
    def of(cls, m: MyGathering) -> "MemberGatheringOut":
        """From the member's gathering (no check-in code, no needs: the member's own)."""
        g, r = m.gathering, m.registration
        return cls(id=g.id, title=g.title, status=g.status, starts_at=g.schedule.starts_at,
                   ends_at=g.schedule.ends_at, state=m.state, checked_in_at=r.checked_in_at if r else None)  # fmt: skip
