"""The expected-notices table: which notices each state change produces, for whom, on which channels, with which
calendar object. Pure: no I/O. This is the one place to update when the system's notices change.

What the table says today follows notify's `domain/drafts.py` and `domain/channels.py` on main. Issue 20's calendar
work changes some rows; they are marked `ISSUE-20` so whoever lands that work updates them here (and nowhere else).
"""

from dataclasses import dataclass

EMAIL, INBOX = "email", "inbox"
MEMBER_CHANNELS = (EMAIL, INBOX)
"""Members: the inbox always, e-mail by default (urgent notices always by e-mail too)."""
SCHOOL_CHANNELS = (EMAIL,)
ORGANISER_CHANNELS = (EMAIL,)

# The organisers' daily digest is sent by the clock, not by a state change: the model counts only organiser mails
# that name one of its visits.


@dataclass(frozen=True)
class Calendar:
    """A calendar object as an attendee receives it."""

    uid: str
    method: str  # "REQUEST" or "CANCEL"
    sequence: int


@dataclass(frozen=True)
class Notice:
    """One notice for one recipient (`member:ID`, `school:VISIT_ID`, `organiser:ADDRESS`)."""

    recipient: str
    notice_type: str
    channels: tuple[str, ...]
    calendar: Calendar | None = None


def member(member_id: str) -> str:
    """A member's recipient key."""
    return f"member:{member_id}"


def school(visit_id: str) -> str:
    """A visit's school contact's recipient key."""
    return f"school:{visit_id}"


def organiser(address: str) -> str:
    """An organiser's recipient key."""
    return f"organiser:{address}"


def visit_uid(visit_id: str) -> str:
    """The UID of a visit's calendar object in the mails. ISSUE-20: one UID everywhere (the API's `.ics` differs)."""
    return f"visit-{visit_id}@jobbvinner.no"


# ------------------------------------------------------------------ visits


def visit_requested(visit_id: str) -> list[Notice]:
    """The school's request arrived."""
    return [Notice(school(visit_id), "visit_request_received", SCHOOL_CHANNELS)]


def offer_made(member_id: str) -> list[Notice]:
    """A member is offered a seat."""
    return [Notice(member(member_id), "visit_offered", MEMBER_CHANNELS)]


def offer_expired(member_id: str) -> list[Notice]:
    """A member let an offer lapse."""
    return [Notice(member(member_id), "offer_expired", MEMBER_CHANNELS)]


def offer_declined(member_id: str) -> list[Notice]:
    """A member declined: nobody is told (the member knows)."""
    return []


def offer_withdrawn(member_id: str) -> list[Notice]:
    """An open offer was withdrawn (visit cancelled or rescheduled, member deactivated or erased)."""
    return [Notice(member(member_id), "offer_withdrawn", MEMBER_CHANNELS)]


def member_released(member_id: str, visit_id: str, *, held_calendar: Calendar | None) -> list[Notice]:
    """A member who had accepted is off the visit. ISSUE-20: a CANCEL to a member who held the invitation
    (`held_calendar` is what they hold); today they get none."""
    return [Notice(member(member_id), "member_released", MEMBER_CHANNELS)]


def visit_confirmed(visit_id: str, team: list[str], sequence: int) -> list[Notice]:
    """The team is complete (first time, or again after a change): the school and every member on the team get the
    invitation with the visit's SEQUENCE."""
    calendar = Calendar(visit_uid(visit_id), "REQUEST", sequence)
    return [Notice(school(visit_id), "visit_confirmed_school", SCHOOL_CHANNELS, calendar)] + [
        Notice(member(m), "visit_confirmed_member", MEMBER_CHANNELS, calendar) for m in team
    ]


def visit_cancelled(visit_id: str, *, was_confirmed: bool, sequence: int) -> list[Notice]:
    """The school cancelled (weeks ahead, so never late). A confirmed visit's school gets a CANCEL.
    ISSUE-20: the team gets a CANCEL too (with their `member_released`)."""
    calendar = Calendar(visit_uid(visit_id), "CANCEL", sequence) if was_confirmed else None
    return [Notice(school(visit_id), "visit_cancelled_school", SCHOOL_CHANNELS, calendar)]


def visit_rescheduled(visit_id: str, *, was_confirmed: bool, sequence: int) -> list[Notice]:
    """New windows. Today nobody is told by notify (the released team hears through `member_released`).
    ISSUE-20: the school gets a mail, and the old team a CANCEL."""
    return []


def no_team(visit_id: str, organisers: list[str]) -> list[Notice]:
    """Ambassadors found nobody for the open seats: every organiser hears."""
    return [Notice(organiser(a), "organiser_no_team", ORGANISER_CHANNELS) for a in organisers]


def visit_unfulfilled(visit_id: str) -> list[Notice]:
    """Booking marked the visit unfulfilled: the school hears."""
    return [Notice(school(visit_id), "visit_unfulfilled", SCHOOL_CHANNELS)]


# ------------------------------------------------------------------ gatherings


def gathering_invitation(member_id: str) -> list[Notice]:
    """An eligible member is invited when the gathering is published."""
    return [Notice(member(member_id), "gathering_invitation", MEMBER_CHANNELS)]


def registration_confirmed(member_id: str) -> list[Notice]:
    """A member has a place (on registering, or on taking a place offered)."""
    return [Notice(member(member_id), "gathering_registration_confirmed", MEMBER_CHANNELS)]


def registration_waitlisted(member_id: str) -> list[Notice]:
    """A member is on the waiting list."""
    return [Notice(member(member_id), "gathering_waitlisted", MEMBER_CHANNELS)]


def registration_withdrawn(member_id: str) -> list[Notice]:
    """A member withdrew: nobody is told (the member knows)."""
    return []


def place_offered(member_id: str) -> list[Notice]:
    """The first waiting member is offered a freed place."""
    return [Notice(member(member_id), "gathering_place_offered", MEMBER_CHANNELS)]
