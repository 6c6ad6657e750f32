"""Events published by the booking service."""

from typing import Literal

from pydantic import AwareDatetime, EmailStr, Field

from outreach_shared.contracts.common import Language, Payload, Profession, TeamMember, TimeWindow, VisitKind


class VisitRequested(Payload):
    """A school asked for a visit. No personal data: the contact travels on the visit-contacts topic."""

    visit_id: str
    orgnr: str
    school_name: str
    school_address: str
    kommunenummer: str
    kind: VisitKind
    audience_description: str
    pupils: int
    professions: list[Profession]
    language: Language
    windows: list[TimeWindow]
    team_size: int


class VisitContactShared(Payload):
    """The school contact person of a visit (personal data; compacted topic, replaced on erasure)."""

    visit_id: str
    name: str
    email: EmailStr
    phone: str
    language: Language


class VisitContactErased(Payload):
    """The contact person's data was erased; the latest record for the key carries no personal data."""

    visit_id: str


class VisitCancelled(Payload):
    """The visit was cancelled; `late` when a confirmed visit was cancelled less than 48 h ahead."""

    visit_id: str
    reason: str
    cancelled_by: str
    was_confirmed: bool
    late: bool
    scheduled: TimeWindow | None = None
    team_member_ids: list[str] = []
    calendar_sequence: int | None = None
    """The SEQUENCE of the visit's calendar event after the cancellation (raised when it was confirmed); None when
    the visit never had one (and in records written before the field existed)."""


class VisitRescheduled(Payload):
    """The school gave new windows: the team is released and matching starts again."""

    visit_id: str
    windows: list[TimeWindow]
    released_member_ids: list[str] = []
    visit: VisitRequested
    scheduled: TimeWindow | None = None
    """The time the visit was confirmed for until now (its calendar event is withdrawn), if it was confirmed."""
    calendar_sequence: int | None = None
    """The SEQUENCE of the visit's calendar event after the reschedule (raised when it was confirmed); None when
    the visit never had one (and in records written before the field existed)."""


class VisitConfirmed(Payload):
    """A full team accepted: the visit is fixed in time."""

    visit_id: str
    scheduled: TimeWindow
    team: list[TeamMember]
    orgnr: str
    school_name: str
    school_address: str
    kommunenummer: str
    kind: VisitKind
    language: Language
    calendar_sequence: int


class VisitUnfulfilled(Payload):
    """No team could be found for any window, or no replacement for a member who left a confirmed team (then
    `scheduled` is the time that was confirmed and the visit's calendar event is withdrawn)."""

    visit_id: str
    reason: str
    school_name: str
    kommunenummer: str
    scheduled: TimeWindow | None = None
    calendar_sequence: int | None = None
    """The SEQUENCE of the visit's calendar event after it was withdrawn, when the visit was confirmed; None when
    it never was (and in records written before the field existed)."""


class VisitCompleted(Payload):
    """The visit took place and was reported."""

    visit_id: str
    pupils_reached: int
    rating: int | None = None
    team_member_ids: list[str] = []
    kommunenummer: str
    scheduled: TimeWindow
    completed_by: Literal["team", "organiser"] = Field(
        default="team", description="Reported by a team member, or marked completed by an organiser on their behalf."
    )
    by: str | None = Field(
        default=None, max_length=200, description="When an organiser marked it: who (`organiser:<id>`)."
    )


class TeamReleaseRequested(Payload):
    """Booking no longer wants this team (e.g. confirmed after cancellation, or the rest of a confirmed team once no
    replacement was found for a member who left): release the members. Once nobody holds a seat, ambassadors stops
    staffing the visit."""

    visit_id: str
    member_ids: list[str]
    reason: str
    round: int | None = Field(
        default=None, ge=1,
        description="The staffing round of the ambassadors' event booking refused, when the request answers one: "
        "ambassadors ignores a request for a round that is over (a reschedule or rematch already closed its offers, "
        "and releasing would take members off the new round). None: booking's own decision, whatever the round.",
    )


class VisitFeedbackRequested(Payload):
    """A completed visit's school is asked for feedback without signing in: `token` is the signed, single-purpose
    link's secret part (`{app}/feedback/{token}`, booking's `GET/POST /v1/feedback/{token}`), valid until
    `expires_at` (30 days after completion). Notify puts the link in the thank-you mail."""

    visit_id: str
    token: str
    expires_at: AwareDatetime
    school_name: str
    scheduled: TimeWindow


class VisitFeedbackReminderDue(Payload):
    """The school has not answered the feedback link a week after completion: remind it, with the same link."""

    visit_id: str
    token: str
    expires_at: AwareDatetime
    school_name: str
    scheduled: TimeWindow


class VisitFeedbackGiven(Payload):
    """The school rated its visit 1–5 (by the link or signed in). The comment stays in booking."""

    visit_id: str
    rating: int
    kommunenummer: str
    with_comment: bool = False
