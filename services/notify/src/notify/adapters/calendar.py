"""Calendar text: invitations (.ics) as mailed, with iTIP methods (REQUEST / CANCEL), through the kit's one calendar
module; and personal feeds, every event as its owner holds it."""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vDuration, vText

from notify.domain.feeds import FeedEntry
from outreach_shared.calendar import ORGANIZER, PRODID, CalendarEvent
from outreach_shared.calendar import to_ics as render

FEED_NAME = "Jobbvinner"
REFRESH = timedelta(minutes=15)
"""How often a calendar app is asked to poll a feed (RFC 7986 REFRESH-INTERVAL)."""


def to_ics(event: CalendarEvent, *, now: datetime | None = None) -> str:
    """The invitation (METHOD:REQUEST) or its withdrawal (METHOD:CANCEL) as iCalendar text."""
    return render(event, now=now or datetime.now(UTC), invitation=True)


def feed_ics(entries: Iterable[FeedEntry]) -> str:
    """A feed as iCalendar text (METHOD:PUBLISH): the same UID and SEQUENCE as each mailed message, times in UTC,
    stamped with when each last changed, so the same feed gives the same bytes."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", FEED_NAME)
    cal.add("refresh-interval", REFRESH, parameters={"value": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))
    for entry in entries:
        cal.add_component(_vevent(entry))
    return cal.to_ical().decode()


def _vevent(entry: FeedEntry) -> Event:
    event, stamp = entry.event, entry.changed_at.astimezone(UTC)
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("sequence", event.sequence)
    vevent.add("dtstamp", stamp)
    vevent.add("last-modified", stamp)
    vevent.add("dtstart", event.start.astimezone(UTC))
    vevent.add("dtend", event.end.astimezone(UTC))
    vevent.add("summary", event.summary)
    if event.location:
        vevent.add("location", event.location)
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    vevent.add("transp", "TRANSPARENT" if event.cancelled else "OPAQUE")
    organizer = vCalAddress(ORGANIZER)
    organizer.params["cn"] = vText(FEED_NAME)
    vevent.add("organizer", organizer)
    return vevent
