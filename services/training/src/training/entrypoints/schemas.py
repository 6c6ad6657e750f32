"""The HTTP API's request and response bodies."""

from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from outreach_shared.bounds.identifiers import CountyNumber, Kommunenummer
from outreach_shared.bounds.text import NO_CONTROLS, NO_CONTROLS_BUT_LINES, NO_CONTROLS_OR_BIDI, UNIX_NEWLINES, Line
from outreach_shared.contracts.common import Profession, Venue
from outreach_shared.errors import Invalid
from outreach_shared.patch import PatchBody
from training.domain.codes import grouped
from training.domain.gathering import Gathering, GatheringStatus, GatheringView
from training.domain.registration import Registration, RegistrationStatus
from training.domain.schedule import Schedule, Session, SessionKind

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), NO_CONTROLS_OR_BIDI]
"""A gathering's or a session's title, or a venue's name: one line, no bidirectional overrides."""
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000), NO_CONTROLS_BUT_LINES, UNIX_NEWLINES]
MemberIdIn = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), NO_CONTROLS]
CheckInCodeIn = Annotated[str, StringConstraints(max_length=32, pattern=r"^[ -]*(?:[2-9A-HJ-NP-Za-hj-np-z][ -]*){8}$")]
"""A check-in code as typed: 8 characters without 0, O, 1 or I, in any case, dashes and spaces anywhere."""


def _absent_not_null(schema: dict[str, Any]) -> None:
    """Documents an optional field as a string that may be left out, never null (the body's oneOf requires one)."""
    schema.pop("default", None)
    schema.update(schema.pop("anyOf", [{}])[0])


class Body(BaseModel):
    """Unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class VenueIn(Body):
    """Where the gathering is held."""

    name: Title
    address: Line
    kommunenummer: Kommunenummer


class SessionIn(Body):
    """An agenda item."""

    title: Title
    kind: SessionKind
    starts_at: AwareDatetime
    ends_at: AwareDatetime

    def to_domain(self) -> Session:
        """The domain value."""
        return Session(title=self.title, kind=self.kind, starts_at=self.starts_at, ends_at=self.ends_at)


class GatheringIn(Body):
    """A new gathering (created as a draft)."""

    title: Title
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    venue: VenueIn
    region: list[CountyNumber] = Field(default_factory=list, description="County numbers; empty = national.")
    audience: list[Profession] = Field(min_length=1)
    capacity: int = Field(gt=0, le=10_000)
    registration_opens: AwareDatetime
    registration_closes: AwareDatetime
    withdrawal_deadline: AwareDatetime
    sessions: list[SessionIn] = Field(default_factory=list, max_length=100)

    def to_domain(self, gathering_id: str) -> Gathering:
        """A draft gathering with this id."""
        return Gathering(
            id=gathering_id,
            title=self.title,
            venue=Venue(**self.venue.model_dump()),
            region=tuple(dict.fromkeys(self.region)),
            audience=tuple(dict.fromkeys(self.audience)),
            capacity=self.capacity,
            schedule=Schedule(**self.model_dump(include=set(Schedule.__dataclass_fields__))),
            sessions=tuple(s.to_domain() for s in self.sessions),
        )


class GatheringPatch(PatchBody):
    """Changes to a draft: only the fields given change (none may be null)."""

    title: Title | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    venue: VenueIn | None = None
    region: list[CountyNumber] | None = None
    audience: list[Profession] | None = Field(default=None, min_length=1)
    capacity: int | None = Field(default=None, gt=0, le=10_000)
    registration_opens: AwareDatetime | None = None
    registration_closes: AwareDatetime | None = None
    withdrawal_deadline: AwareDatetime | None = None
    sessions: list[SessionIn] | None = Field(default=None, max_length=100)

    def changes(self) -> dict[str, Any]:
        """The changed fields as domain values."""
        changes: dict[str, Any] = {f: getattr(self, f) for f in self.model_fields_set}
        if self.venue is not None:
            changes["venue"] = Venue(**self.venue.model_dump())
        if self.region is not None:
            changes["region"] = tuple(dict.fromkeys(self.region))
        if self.audience is not None:
            changes["audience"] = tuple(dict.fromkeys(self.audience))
        if self.sessions is not None:
            changes["sessions"] = tuple(s.to_domain() for s in self.sessions)
        return changes


class CancelIn(Body):
    """Why the gathering is cancelled (members are told)."""

    reason: Line


class CountsOut(BaseModel):
    """Members invited, registered, waiting, offered a place and checked in."""

    invited: int
    registered: int
    waiting: int
    offered: int
    checked_in: int


class GatheringOut(BaseModel):
    """A gathering as the organiser sees it."""

    id: str
    status: GatheringStatus
    title: str
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    venue: Venue
    region: list[str]
    audience: list[Profession]
    capacity: int
    registration_opens: AwareDatetime
    registration_closes: AwareDatetime
    withdrawal_deadline: AwareDatetime
    sessions: list[SessionIn]
    cancel_reason: str | None
    counts: CountsOut

    @classmethod
    def of(cls, view: GatheringView) -> "GatheringOut":
        """The response for a gathering with its counts."""
        g, s = view.gathering, view.gathering.schedule
        return cls(
            id=g.id,
            status=g.status,
            title=g.title,
            venue=g.venue,
            region=list(g.region),
            audience=list(g.audience),
            capacity=g.capacity,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            registration_opens=s.registration_opens,
            registration_closes=s.registration_closes,
            withdrawal_deadline=s.withdrawal_deadline,
            cancel_reason=g.cancel_reason,
            sessions=[
                SessionIn(title=x.title, kind=x.kind, starts_at=x.starts_at, ends_at=x.ends_at) for x in g.sessions
            ],
            counts=CountsOut(**vars(view.counts)),
        )


class RegistrationIn(Body):
    """A member's registration with what the organiser must know to host them."""

    dietary: Note | None = None
    accessibility: Note | None = None
    needs_accommodation: bool = False


class RegistrationOut(BaseModel):
    """A registration (the member's own, or a participant row for the organiser)."""

    gathering_id: str
    member_id: str
    status: RegistrationStatus
    position: int | None = Field(description="Place on the waiting list (1 = next), when waitlisted.")
    offer_expires_at: AwareDatetime | None
    registered_at: AwareDatetime
    checked_in_at: AwareDatetime | None
    dietary: str | None
    accessibility: str | None
    needs_accommodation: bool
    verification_code: str | None = Field(
        default=None,
        description="The proof of training's code (e.g. `K7QX-M2PD-4RTA-9WXE`) once the gathering is completed with "
        "the member checked in; anyone can check it at `GET /v1/certificates/{verification_code}`",
    )

    @classmethod
    def of(cls, r: Registration) -> "RegistrationOut":
        """The response for a registration."""
        return cls(
            gathering_id=r.gathering_id,
            member_id=r.member_id,
            status=r.status,
            position=r.position,
            offer_expires_at=r.offer_expires_at,
            registered_at=r.registered_at,
            checked_in_at=r.checked_in_at,
            dietary=r.needs.dietary,
            accessibility=r.needs.accessibility,
            needs_accommodation=r.needs.needs_accommodation,
            verification_code=grouped(r.verification_code) if r.verification_code else None,
        )


class CheckInIn(Body):
    """The member arriving: their member id, or the check-in code they show (exactly one of the two)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"oneOf": [{"required": ["member_id"]}, {"required": ["code"]}]}
    )

    member_id: MemberIdIn | None = Field(default=None, json_schema_extra=_absent_not_null)
    code: CheckInCodeIn | None = Field(
        default=None,
        description="The member's check-in code, e.g. `K7QX-M2PD`: any case, dashes and spaces ignored",
        json_schema_extra=_absent_not_null,
    )

    def who(self) -> tuple[str, str]:
        """("member_id", id) or ("code", code); 422 naming the field unless exactly one is given (null is none)."""
        for name in ("member_id", "code"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise Invalid(f"{name} must not be null: leave it out", field=name)
        if self.member_id is not None and self.code is not None:
            raise Invalid("give either member_id or code, not both", field="code")
        if self.code is not None:
            return "code", self.code
        if self.member_id is None:
            raise Invalid("give the member's member_id or their check-in code", field="member_id")
        return "member_id", self.member_id
