"""Events published by the ambassadors service."""

from pydantic import AwareDatetime, EmailStr, Field

from outreach_shared.contracts.common import Language, Payload, Profession, TeamMember, TimeWindow, VisitKind


class MemberSnapshot(Payload):
    """What other services need to know of a member (personal data; compacted topic)."""

    member_id: str
    name: str
    first_name: str
    profession: Profession
    kommunenummer: str
    fylke: str = Field(pattern=r"^\d{2}$", description="The county number (fylkesnummer), e.g. '34'.")
    email: EmailStr
    phone: str
    languages: list[Language]
    preferred_language: Language
    active: bool
    trained_year: int | None = None


class MemberRegistered(Payload):
    """A member joined the roster."""

    member: MemberSnapshot


class MemberUpdated(Payload):
    """A member's details changed (including being marked trained)."""

    member: MemberSnapshot


class MemberDeactivated(Payload):
    """A member is no longer active: no offers, no invitations."""

    member: MemberSnapshot


class MemberReactivated(Payload):
    """A deactivated member is active again."""

    member: MemberSnapshot


class MemberErased(Payload):
    """The person was erased: every service removes their personal data. Carries only the id."""

    member_id: str


class OfferMade(Payload):
    """A member is offered a seat on a visit's team."""

    offer_id: str
    visit_id: str
    member_id: str
    window: TimeWindow
    expires_at: AwareDatetime
    reason: str
    kind: VisitKind
    school_name: str
    kommunenummer: str
    language: Language
    override: bool = Field(
        default=False, description="Made by an organiser for this member by name, rather than chosen by matching."
    )
    by: str | None = Field(
        default=None, max_length=200, description="For an override: the organiser who made it (`organiser:<id>`)."
    )
    round: int | None = Field(
        default=None, ge=1,
        description="Ambassadors' staffing round of the visit (it grows on every reschedule and rematch). Booking "
        "names it when it asks to release members for this event (`visit.team-release-requested`).",
    )


class OfferAccepted(Payload):
    """A member accepted an offer."""

    offer_id: str
    visit_id: str
    member_id: str


class OfferDeclined(Payload):
    """A member declined an offer."""

    offer_id: str
    visit_id: str
    member_id: str
    reason: str | None = None


class OfferExpired(Payload):
    """An offer was not answered in time."""

    offer_id: str
    visit_id: str
    member_id: str


class OfferWithdrawn(Payload):
    """An open offer was withdrawn (visit cancelled, rescheduled or already filled), or a member withdrew from a seat
    they had accepted (`by_member`, with their reason; `team.member-released` follows for the seat and its calendar
    CANCEL). `late`: the member withdrew less than 48 h before the visit starts, and the organisers are told."""

    offer_id: str
    visit_id: str
    member_id: str
    reason: str
    by_member: bool = False
    late: bool = False
    window: TimeWindow | None = None
    """The visit's time, when a member withdrew."""


class TeamConfirmed(Payload):
    """Every seat on the visit's team is accepted."""

    visit_id: str
    window: TimeWindow
    members: list[TeamMember]
    round: int | None = Field(
        default=None, ge=1,
        description="Ambassadors' staffing round of the visit (it grows on every reschedule and rematch). Booking "
        "names it when it asks to release members for this event (`visit.team-release-requested`).",
    )


class TeamChanged(Payload):
    """A confirmed team changed (a member was replaced)."""

    visit_id: str
    window: TimeWindow
    members: list[TeamMember]
    round: int | None = Field(
        default=None, ge=1,
        description="Ambassadors' staffing round of the visit (it grows on every reschedule and rematch). Booking "
        "names it when it asks to release members for this event (`visit.team-release-requested`).",
    )


class NoTeamAvailable(Payload):
    """No eligible members could be found for the visit, or none to replace a member who left its confirmed team
    ("no replacement found: ..."; open offers are withdrawn): booking then gives the visit up as unfulfilled and
    asks to release the rest of the team."""

    visit_id: str
    reason: str


class MemberReleased(Payload):
    """A member who had accepted is released from a visit (cancelled, rescheduled, deactivated, erased, or at
    booking's request); booking takes them off the visit's confirmed team while a replacement is sought."""

    visit_id: str
    member_id: str
    reason: str
    window: TimeWindow | None = None
