"""The visit's calendar file, built by the kit's one calendar module (the same UID and SEQUENCE as the mails)."""

from datetime import datetime

from booking.domain.model import Visit
from outreach_shared.calendar import to_ics, visit_event


def render_calendar(visit: Visit, *, now: datetime) -> bytes:
    """What the school should hold for the visit now: the confirmed event (METHOD:PUBLISH), or, once the visit is
    cancelled, rescheduled or unfulfilled (a member left and nobody replaced them), the event it was last confirmed
    for withdrawn (METHOD:CANCEL) until it is confirmed again. Only a visit that was once confirmed has one."""
    assert visit.calendar_slot is not None, "only a visit that was confirmed has a calendar event"
    live = visit.calendar_is_live
    reason = visit.cancellation.reason if visit.cancellation else (visit.unfulfilled_reason or "")
    event = visit_event(
        visit_id=visit.id,
        sequence=visit.calendar_sequence,
        window=visit.scheduled if live and visit.scheduled else visit.calendar_slot,
        kind=visit.details.kind,
        language=visit.details.language,
        school_name=visit.school.name,
        school_address=visit.school.address,
        team=visit.team if live else (),
        audience="\n".join(line for line in (reason, visit.details.audience_description) if line),
        cancelled=not live,
    )
    return to_ics(event, now=now, invitation=False).encode()
