"""The visit as an iCalendar file (RFC 5545), built with the icalendar library."""

from datetime import MAXYEAR, date, datetime

from icalendar import Calendar, Event, vCalAddress, vText

from booking.domain.model import Visit
from booking.domain.times import in_oslo

UID_DOMAIN = "outreach.jobbvinner.no"
ORGANIZER = "mailto:booking@outreach.jobbvinner.no"
PRODID = "-//Jobbvinner//outreach booking//NB"

_KIND_TITLES = {
    "nb": {"school_visit": "Skolebesøk", "education_fair": "Utdanningsmesse", "career_day": "Yrkesdag",
           "digital_visit": "Digitalt besøk"},
    "nn": {"school_visit": "Skulebesøk", "education_fair": "Utdanningsmesse", "career_day": "Yrkesdag",
           "digital_visit": "Digitalt besøk"},
    "en": {"school_visit": "School visit", "education_fair": "Education fair", "career_day": "Career day",
           "digital_visit": "Digital visit"},
}  # fmt: skip
_PROFESSIONS = {
    "nb": {"nurse": "sykepleier", "health_worker": "helsefagarbeider"},
    "nn": {"nurse": "sjukepleiar", "health_worker": "helsefagarbeidar"},
    "en": {"nurse": "nurse", "health_worker": "health worker"},
}


def visit_uid(visit_id: str) -> str:
    """The stable UID of a visit's calendar event."""
    return f"{visit_id}@{UID_DOMAIN}"


def render_calendar(visit: Visit, *, now: datetime) -> bytes:
    """The visit's scheduled time as a calendar: PUBLISH while on, CANCEL once cancelled."""
    assert visit.scheduled is not None, "only a scheduled visit has a calendar event"
    cancelled = visit.status == "cancelled"
    lang = visit.details.language
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", visit_uid(visit.id))
    event.add("dtstamp", now)
    event.add("sequence", visit.calendar_sequence)
    event.add("dtstart", in_oslo(visit.scheduled.start))
    event.add("dtend", in_oslo(visit.scheduled.end))
    event.add("summary", f"Jobbvinner: {_KIND_TITLES[lang][visit.details.kind]} – {visit.school.name}")
    event.add("location", visit.school.address)
    event.add("description", _description(visit))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    organizer = vCalAddress(ORGANIZER)
    organizer.params["cn"] = vText("Jobbvinner")
    event.add("organizer", organizer)
    cal.add_component(event)
    year = in_oslo(visit.scheduled.start).year
    last = date(min(year + 2, MAXYEAR), 1, 1)  # a stored time at the end of the calendar still answers
    cal.add_missing_timezones(first_date=date(year - 1, 1, 1), last_date=last)
    return cal.to_ical()


def _description(visit: Visit) -> str:
    names = _PROFESSIONS[visit.details.language]
    team = ", ".join(f"{m.first_name} ({names[m.profession]})" for m in visit.team)
    lines = [visit.details.audience_description, team]
    if visit.cancellation:
        lines.insert(0, visit.cancellation.reason)
    return "\n".join(line for line in lines if line)
