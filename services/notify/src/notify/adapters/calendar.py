"""Calendar invitations (.ics) as mailed: the kit's one calendar module, with iTIP methods (REQUEST / CANCEL)."""

from datetime import UTC, datetime

from outreach_shared.calendar import CalendarEvent
from outreach_shared.calendar import to_ics as render


def to_ics(event: CalendarEvent, *, now: datetime | None = None) -> str:
    """The invitation (METHOD:REQUEST) or its withdrawal (METHOD:CANCEL) as iCalendar text."""
    return render(event, now=now or datetime.now(UTC), invitation=True)
