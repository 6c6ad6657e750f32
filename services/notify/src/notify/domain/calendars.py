"""What each attendee holds of a visit's calendar event, and which calendar message each change sends them.

A visit's SEQUENCE is booking's `calendar_sequence` (carried in visit.confirmed, visit.cancelled,
visit.rescheduled and visit.unfulfilled), so the mails agree with the booking API's `calendar.ics`:

- visit.confirmed (first confirmation or a team change): REQUEST with its sequence to the school and every member of
  the team; one who holds a CANCEL with that sequence or more (a member released and then taken back on the team)
  gets one above it instead, so their calendar does not ignore it.
- visit.cancelled, visit.rescheduled and visit.unfulfilled of a confirmed visit (a member left and nobody replaced
  them): CANCEL with its sequence to the school, if it holds the invitation.
- team.member-released (cancel, reschedule, deactivation, erasure, a release booking asked for): CANCEL to the
  member, if they hold the invitation, with the visit's latest sequence and at least one more than they hold.

A gathering's SEQUENCE is kept per attendee (gatherings do not change once published): 0 on the first invitation
(gathering.registration-confirmed), one more than a withdrawal they hold when they register again, and one more than
they hold on a CANCEL (gathering.registration-withdrawn, gathering.cancelled).

Only an attendee holding a live invitation is sent a CANCEL: nobody is told twice, and nobody who never held it.
"""

from dataclasses import dataclass

from notify.domain.notices import Recipient
from outreach_shared.calendar import CalendarEvent


@dataclass(frozen=True)
class Holding:
    """The last calendar message an attendee was sent for an event."""

    recipient: Recipient
    event: CalendarEvent


def withdrawal(holding: Holding | None, sequence: int | None) -> CalendarEvent | None:
    """The CANCEL for an attendee who holds a live invitation (None for anybody else): at least `sequence`, and
    above what they hold."""
    if holding is None or holding.event.cancelled:
        return None
    return holding.event.withdrawn(max(sequence or 0, holding.event.sequence + 1))


def reinvitation(holding: Holding | None, event: CalendarEvent) -> CalendarEvent:
    """The invitation for an attendee: as it is, unless they hold a withdrawal it would not rise above."""
    if holding is None or not holding.event.cancelled or holding.event.sequence < event.sequence:
        return event
    return CalendarEvent(**{**event.__dict__, "sequence": holding.event.sequence + 1})


def renewed_sequence(holding: Holding | None) -> int:
    """The SEQUENCE of an invitation sent again to an attendee: above a withdrawal they hold, else what they hold."""
    if holding is None:
        return 0
    return holding.event.sequence + 1 if holding.event.cancelled else holding.event.sequence
