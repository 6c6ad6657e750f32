"""Every calendar object the system serves or sends (RFC 5545, iTIP methods of RFC 5546), built in one place.

- One UID per visit (`visit-<id>@outreach.jobbvinner.no`) and per gathering (`gathering-<id>@…`), the same in the
  booking API's `.ics`, in every mailed invitation and in personal feeds, so a later message always updates the one
  entry an attendee already holds.
- SEQUENCE is booking's `calendar_sequence` for a visit: raised on every confirmation, team change, reschedule and
  cancellation of a scheduled visit, and carried in booking's events so notify mails the same number.
- Times are written in UTC (`DTSTART:20271031T013000Z`): no VTIMEZONE to get wrong at the clock changes, and an
  instant in the hour that Europe/Oslo lives twice in October stays the instant it was. Calendars show it in the
  reader's own time zone.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from icalendar import Calendar, Event, vCalAddress, vText

from outreach_shared.contracts.common import Language, TeamMember, TimeWindow

UID_DOMAIN = "outreach.jobbvinner.no"
ORGANIZER = "mailto:varsel@jobbvinner.no"
PRODID = "-//Jobbvinner//outreach//NO"

Method = Literal["PUBLISH", "REQUEST", "CANCEL"]

_KIND_TITLES: dict[str, dict[str, str]] = {
    "nb": {"school_visit": "Skolebesøk", "education_fair": "Utdanningsmesse", "career_day": "Karrieredag",
           "digital_visit": "Digitalt besøk"},
    "nn": {"school_visit": "Skulebesøk", "education_fair": "Utdanningsmesse", "career_day": "Karrieredag",
           "digital_visit": "Digitalt besøk"},
    "en": {"school_visit": "School visit", "education_fair": "Education fair", "career_day": "Career day",
           "digital_visit": "Digital visit"},
}  # fmt: skip
_VISIT = {"nb": "Besøk", "nn": "Besøk", "en": "Visit"}
_PROFESSIONS = {
    "nb": {"nurse": "sykepleier", "health_worker": "helsefagarbeider"},
    "nn": {"nurse": "sjukepleiar", "health_worker": "helsefagarbeidar"},
    "en": {"nurse": "nurse", "health_worker": "health worker"},
}


def visit_uid(visit_id: str) -> str:
    """The UID of a visit's calendar event, everywhere."""
    return f"visit-{visit_id}@{UID_DOMAIN}"


def gathering_uid(gathering_id: str) -> str:
    """The UID of a gathering's calendar event, everywhere."""
    return f"gathering-{gathering_id}@{UID_DOMAIN}"


@dataclass(frozen=True)
class CalendarEvent:
    """One event as an attendee should hold it: confirmed, or (`cancelled`) withdrawn."""

    uid: str
    sequence: int
    start: datetime
    end: datetime
    summary: str
    location: str = ""
    description: str = ""
    cancelled: bool = False

    def withdrawn(self, sequence: int) -> "CalendarEvent":
        """The same event cancelled with `sequence`."""
        return CalendarEvent(
            self.uid, sequence, self.start, self.end, self.summary, self.location, self.description, cancelled=True
        )


def visit_event(
    *,
    visit_id: str,
    sequence: int,
    window: TimeWindow,
    kind: str | None,
    language: Language | str | None,
    school_name: str | None,
    school_address: str | None,
    team: Sequence[TeamMember] = (),
    audience: str = "",
    cancelled: bool = False,
) -> CalendarEvent:
    """A school visit's event: `Jobbvinner: Skolebesøk – Byskolen`, at the school's address, the team described."""
    lang = language if language in _KIND_TITLES else "nb"
    title = _KIND_TITLES[lang].get(kind or "", _VISIT[lang])
    names = _PROFESSIONS[lang]
    crew = ", ".join(f"{m.first_name} ({names[m.profession]})" if m.first_name else names[m.profession] for m in team)
    return CalendarEvent(
        uid=visit_uid(visit_id),
        sequence=sequence,
        start=window.start,
        end=window.end,
        summary=f"Jobbvinner: {title} – {school_name}" if school_name else f"Jobbvinner: {title}",
        location=school_address or "",
        description="\n".join(line for line in (audience, crew) if line),
        cancelled=cancelled,
    )


def gathering_event(
    *, gathering_id: str, sequence: int, title: str, starts_at: datetime, ends_at: datetime, venue: str,
    cancelled: bool = False,
) -> CalendarEvent:  # fmt: skip
    """An annual gathering's event."""
    return CalendarEvent(
        uid=gathering_uid(gathering_id),
        sequence=sequence,
        start=starts_at,
        end=ends_at,
        summary=f"Jobbvinner: {title}",
        location=venue,
        cancelled=cancelled,
    )


def method_for(event: CalendarEvent, *, invitation: bool) -> Method:
    """CANCEL for a cancelled event; else REQUEST for an invitation (iTIP, by mail) or PUBLISH for a file."""
    if event.cancelled:
        return "CANCEL"
    return "REQUEST" if invitation else "PUBLISH"


def to_ics(event: CalendarEvent, *, now: datetime, invitation: bool, organizer: str = ORGANIZER) -> str:
    """The event as iCalendar text (CRLF lines) with times in UTC."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method_for(event, invitation=invitation))
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("sequence", event.sequence)
    vevent.add("dtstamp", _utc(now))
    vevent.add("dtstart", _utc(event.start))
    vevent.add("dtend", _utc(event.end))
    vevent.add("summary", event.summary)
    if event.location:
        vevent.add("location", event.location)
    if event.description:
        vevent.add("description", event.description)
    vevent.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    vevent.add("transp", "TRANSPARENT" if event.cancelled else "OPAQUE")
    who = vCalAddress(organizer)
    who.params["cn"] = vText("Jobbvinner")
    vevent.add("organizer", who)
    cal.add_component(vevent)
    return cal.to_ical().decode()


def addressed_to(ics: str, address: str, name: str | None = None) -> str:
    """The invitation with its recipient as ATTENDEE (RFC 5546 asks for one in REQUEST and CANCEL); only known when
    the mail is sent. RSVP=FALSE: nobody reads replies."""
    cal = Calendar.from_ical(ics)
    for event in cal.walk("VEVENT"):
        attendee = vCalAddress(f"mailto:{address}")
        if name:
            attendee.params["cn"] = vText(name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["rsvp"] = vText("FALSE")
        event.add("attendee", attendee)
    return cal.to_ical().decode()


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("calendar times must be aware")
    return moment.astimezone(UTC)
