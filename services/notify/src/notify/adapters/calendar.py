"""Calendar invitations (.ics, RFC 5545) built with icalendar."""

from datetime import UTC, datetime

from icalendar import Calendar, Event

from notify.domain.notices import CalendarSpec


def to_ics(spec: CalendarSpec, *, organiser: str = "mailto:varsel@jobbvinner.no") -> str:
    """The invitation (METHOD:REQUEST) or its cancellation (METHOD:CANCEL) as iCalendar text."""
    cal = Calendar()
    cal.add("prodid", "-//Jobbvinner//outreach notify//NO")
    cal.add("version", "2.0")
    cal.add("method", spec.method)
    event = Event()
    event.add("uid", spec.uid)
    event.add("sequence", spec.sequence)
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", datetime.fromisoformat(spec.start))
    event.add("dtend", datetime.fromisoformat(spec.end))
    event.add("summary", spec.summary)
    event.add("location", spec.location)
    event.add("organizer", organiser)
    event.add("status", "CANCELLED" if spec.method == "CANCEL" else "CONFIRMED")
    cal.add_component(event)
    return cal.to_ical().decode()
