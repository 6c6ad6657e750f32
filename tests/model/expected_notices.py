"""The expected-notices table: which notices each state change produces, for whom, on which channels, with which
calendar object. Pure: no I/O. This is the one place to update when the system's notices change.

What the table says follows notify's `domain/drafts.py`, `domain/calendars.py` and `domain/channels.py` on main (issue
20's one calendar): a calendar object goes to whoever the change concerns, decided by what they hold of the event
(`Calendar`, the last calendar object they were sent for it, which the model keeps per recipient and UID).
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
    """The UID of a visit's calendar event, the same in every mail and in the API's `.ics`."""
    return f"visit-{visit_id}@outreach.jobbvinner.no"


def gathering_uid(gathering_id: str) -> str:
    """The UID of a gathering's calendar event."""
    return f"gathering-{gathering_id}@outreach.jobbvinner.no"


def withdrawal(held: Calendar | None, sequence: int) -> Calendar | None:
    """The CANCEL for an attendee who holds a live invitation (None for anybody else, a CANCEL they hold included):
    at least `sequence`, and one above what they hold."""
    if held is None or held.method == "CANCEL":
        return None
    return Calendar(held.uid, "CANCEL", max(sequence, held.sequence + 1))


def reinvitation(held: Calendar | None, invitation: Calendar) -> Calendar:
    """The invitation for an attendee: as it is, unless they hold a CANCEL it would not rise above (then one more)."""
    if held is None or held.method != "CANCEL" or held.sequence < invitation.sequence:
        return invitation
    return Calendar(invitation.uid, "REQUEST", held.sequence + 1)


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


def member_released(member_id: str, visit_id: str, *, held: Calendar | None, sequence: int) -> list[Notice]:
    """A member who had accepted is off the visit (cancel, reschedule, deactivation, erasure). One who holds a live
    invitation gets a CANCEL with the latest SEQUENCE notify knows (`sequence`), and at least one above theirs."""
    return [Notice(member(member_id), "member_released", MEMBER_CHANNELS, withdrawal(held, sequence))]


def visit_confirmed(visit_id: str, team: list[str], sequence: int, held: dict[str, Calendar]) -> list[Notice]:
    """The team is complete (first time, or again after a change): the school and every member on the team get the
    invitation (REQUEST) with booking's SEQUENCE, raised above a CANCEL the recipient holds (`held`: recipient key →
    what they hold of this visit)."""
    invitation = Calendar(visit_uid(visit_id), "REQUEST", sequence)
    return [Notice(school(visit_id), "visit_confirmed_school", SCHOOL_CHANNELS,
                   reinvitation(held.get(school(visit_id)), invitation))] + [
        Notice(member(m), "visit_confirmed_member", MEMBER_CHANNELS, reinvitation(held.get(member(m)), invitation))
        for m in team
    ]


def visit_cancelled(visit_id: str, *, sequence: int, school_held: Calendar | None) -> list[Notice]:
    """The school cancelled (weeks ahead, so never late): it is told, with a CANCEL if it holds a live invitation
    (none after a reschedule). The team's CANCELs travel with their `member_released`."""
    return [Notice(school(visit_id), "visit_cancelled_school", SCHOOL_CHANNELS, withdrawal(school_held, sequence))]


def visit_rescheduled(visit_id: str, *, sequence: int, school_held: Calendar | None) -> list[Notice]:
    """New windows: the school is told on every reschedule, with a CANCEL if it holds a live invitation. The old
    team hears through `member_released` (with their CANCELs), open offers through `offer_withdrawn`."""
    return [Notice(school(visit_id), "visit_rescheduled_school", SCHOOL_CHANNELS, withdrawal(school_held, sequence))]


def no_team(visit_id: str, organisers: list[str]) -> list[Notice]:
    """Ambassadors found nobody for the open seats: every organiser hears."""
    return [Notice(organiser(a), "organiser_no_team", ORGANISER_CHANNELS) for a in organisers]


def visit_unfulfilled(visit_id: str, *, sequence: int = 0, school_held: Calendar | None = None) -> list[Notice]:
    """Booking marked the visit unfulfilled: the school hears, with a CANCEL if it holds a live invitation (a
    confirmed visit that lost a member nobody replaced; the rest of its team hear through `member_released`)."""
    return [Notice(school(visit_id), "visit_unfulfilled", SCHOOL_CHANNELS, withdrawal(school_held, sequence))]


# ------------------------------------------------------------------ gatherings


def gathering_invitation(member_id: str) -> list[Notice]:
    """An eligible member is invited when the gathering is published."""
    return [Notice(member(member_id), "gathering_invitation", MEMBER_CHANNELS)]


def registration_confirmed(member_id: str, gathering_id: str, held: Calendar | None) -> list[Notice]:
    """A member has a place (on registering, or on taking a place offered): the gathering's invitation, SEQUENCE 0,
    or one above a CANCEL they hold."""
    held_sequence = 0 if held is None else held.sequence + (held.method == "CANCEL")
    invitation = Calendar(gathering_uid(gathering_id), "REQUEST", held_sequence)
    return [Notice(member(member_id), "gathering_registration_confirmed", MEMBER_CHANNELS, invitation)]


def registration_waitlisted(member_id: str) -> list[Notice]:
    """A member is on the waiting list."""
    return [Notice(member(member_id), "gathering_waitlisted", MEMBER_CHANNELS)]


def registration_withdrawn(member_id: str, gathering_id: str, held: Calendar | None) -> list[Notice]:
    """A member withdrew: one who held the invitation is sent its withdrawal (CANCEL, one above what they hold);
    one who was only waiting, or offered a place not yet taken, hears nothing."""
    calendar = withdrawal(held, 0)
    if calendar is None:
        return []
    return [Notice(member(member_id), "gathering_registration_withdrawn", MEMBER_CHANNELS, calendar)]


def place_offered(member_id: str) -> list[Notice]:
    """The first waiting member is offered a freed place."""
    return [Notice(member(member_id), "gathering_place_offered", MEMBER_CHANNELS)]
