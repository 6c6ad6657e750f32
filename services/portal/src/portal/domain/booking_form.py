"""The school's booking form, pure: what it offers (kinds, professions, languages), the window rules it shows as
hints (the same defaults booking keeps; booking's own check stays the judge), the orgnr's check digit, and the form's
fields read into booking's visit request, or the fields to fix.

A field's id on the page is the booking field's path with dashes (`school.name` → `school-name`, `windows.0.start`
→ `windows-0-start`); each window is a row of a date, a start time and an end time.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from outreach_shared.bounds.times import TimeRules

OSLO = ZoneInfo("Europe/Oslo")
KINDS = ("school_visit", "career_day", "digital_visit", "education_fair")
PROFESSIONS = ("nurse", "health_worker")
LANGUAGES = ("nb", "nn", "en")
MAX_WINDOWS = 5
"""Booking takes one to five preferred windows."""
MIN_NOTICE = timedelta(days=7)
"""Booking's default lead time (BOOKING_MIN_NOTICE_DAYS); the page shows it, booking decides."""
RULES = TimeRules()
"""Booking's default bounds of windows (its BOOKING_* settings may differ; booking decides)."""
MAX_PUPILS, MAX_TEAM = 5000, 4
TEXT_LIMIT, NOTES_LIMIT = 200, 2000
READ_LIMIT = 10_000
"""More than any field may hold, so that a field too long is refused as such, yet bounded."""
FIELDS = frozenset({"school.name", "school.kommunenummer", "school.address", "contact.name", "contact.email",
                    "contact.phone", "kind", "audience.description", "audience.pupils", "professions", "language",
                    "team_size", "notes"})  # fmt: skip
"""The fields of the form besides its windows, by booking's name."""


def field_id(path: str) -> str:
    """The page's id of a booking field: `windows.0.start` → `windows-0-start`."""
    return path.replace(".", "-")


@dataclass(frozen=True)
class WindowHints:
    """What the date and time inputs of one kind of visit offer: the first and last day, the hours, the days."""

    first_day: date
    last_day: date
    opens: time
    closes: time
    weekdays: frozenset[int]
    shortest: timedelta
    longest: timedelta
    notice_days: int

    @property
    def school_days_only(self) -> bool:
        """Monday to Friday only."""
        return self.weekdays == frozenset({1, 2, 3, 4, 5})


def window_hints(now: datetime, kind: str) -> WindowHints:
    """The days and hours a window of `kind` may take by booking's default rules, from `now`."""
    hours = RULES.for_kind(kind)
    earliest = (now + MIN_NOTICE).astimezone(OSLO)
    first = earliest.date() if earliest.time() <= hours.opens else earliest.date() + timedelta(days=1)
    return WindowHints(first_day=first, last_day=(now + RULES.horizon).astimezone(OSLO).date() - timedelta(days=1),
                       opens=hours.opens, closes=hours.closes, weekdays=hours.days, shortest=hours.min_length,
                       longest=hours.max_length, notice_days=MIN_NOTICE.days)  # fmt: skip


@dataclass
class WindowRow:
    """One window as typed: a day, a start and an end (strings, as the form gave them)."""

    day: str = ""
    start: str = ""
    end: str = ""


@dataclass
class BookingForm:
    """The form as typed (strings), so it can be shown again as it was."""

    school_name: str = ""
    kommunenummer: str = ""
    address: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    kind: str = "school_visit"
    audience: str = ""
    pupils: str = ""
    professions: list[str] = field(default_factory=list)
    language: str = "nb"
    team_size: str = "2"
    notes: str = ""
    windows: list[WindowRow] = field(default_factory=lambda: [WindowRow()])


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return value.strip()[:READ_LIMIT] if isinstance(value, str) else ""


def read_form(form: Mapping[str, Any], professions: list[str]) -> BookingForm:
    """The posted fields as typed (`professions` are the checked boxes); at most MAX_WINDOWS rows."""
    rows: list[WindowRow] = []
    for i in range(MAX_WINDOWS):
        names = (f"windows-{i}-day", f"windows-{i}-start", f"windows-{i}-end")
        if any(name in form for name in names):
            rows.append(WindowRow(*(_text(form, name) for name in names)))
    return BookingForm(
        school_name=_text(form, "school-name"), kommunenummer=_text(form, "school-kommunenummer"),
        address=_text(form, "school-address"), contact_name=_text(form, "contact-name"),
        contact_email=_text(form, "contact-email"), contact_phone=_text(form, "contact-phone"),
        kind=_text(form, "kind"), audience=_text(form, "audience-description"), pupils=_text(form, "audience-pupils"),
        professions=[p for p in PROFESSIONS if p in professions], language=_text(form, "language"),
        team_size=_text(form, "team_size"), notes=_text(form, "notes"), windows=rows or [WindowRow()],
    )  # fmt: skip


def _number(value: str, low: int, high: int) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 6 and low <= int(value) <= high else None


def _moment(day: str, clock: str) -> datetime | None:
    """The Oslo time a date input and a time input give, or None."""
    try:
        parsed_day = date.fromisoformat(day) if len(day) == 10 else None
        parsed_time = time.fromisoformat(clock) if 4 <= len(clock) <= 8 else None
    except ValueError:
        return None
    if parsed_day is None or parsed_time is None or not 2000 <= parsed_day.year <= 2099:
        return None
    return datetime.combine(parsed_day, parsed_time.replace(tzinfo=None), OSLO)


def problems(form: BookingForm, known_kommune: set[str]) -> dict[str, str]:
    """What the portal can tell is missing or malformed before booking is asked, by booking field path; the
    reasons are keys of `REASONS` (the page words them)."""
    found: dict[str, str] = {}
    for path, value in (("school.name", form.school_name), ("school.address", form.address),
                        ("contact.name", form.contact_name), ("audience.description", form.audience)):  # fmt: skip
        if not value:
            found[path] = "required"
        elif len(value) > TEXT_LIMIT or any(ord(c) < 32 for c in value):
            found[path] = "too_long"
    if form.kommunenummer not in known_kommune:
        found["school.kommunenummer"] = "choose"
    if "@" not in form.contact_email or len(form.contact_email) > 254:
        found["contact.email"] = "email"
    if not 8 <= len(form.contact_phone) <= 24:
        found["contact.phone"] = "phone"
    if form.kind not in KINDS:
        found["kind"] = "choose"
    if _number(form.pupils, 1, MAX_PUPILS) is None:
        found["audience.pupils"] = "pupils"
    if not form.professions:
        found["professions"] = "choose"
    if form.language not in LANGUAGES:
        found["language"] = "choose"
    if _number(form.team_size, 1, MAX_TEAM) is None:
        found["team_size"] = "team"
    if len(form.notes) > NOTES_LIMIT or "\x00" in form.notes:
        found["notes"] = "notes_long"
    for i, row in enumerate(form.windows):
        if _moment(row.day, "00:00") is None:
            found[f"windows.{i}.day"] = "day"
        elif _moment(row.day, row.start) is None:
            found[f"windows.{i}.start"] = "time"
        elif _moment(row.day, row.end) is None:
            found[f"windows.{i}.end"] = "time"
    return found


def visit_request(form: BookingForm, orgnr: str) -> dict[str, Any]:
    """Booking's visit request from a form without problems (the same form gives the same body: a reload or a
    second click is the same request, replayed by its Idempotency-Key)."""
    windows = []
    for row in form.windows:
        start, end = _moment(row.day, row.start), _moment(row.day, row.end)
        assert start is not None and end is not None  # `problems` found none
        windows.append({"start": start.isoformat(), "end": end.isoformat()})
    body: dict[str, Any] = {
        "school": {"orgnr": orgnr, "name": form.school_name, "kommunenummer": form.kommunenummer,
                   "address": form.address},
        "contact": {"name": form.contact_name, "email": form.contact_email, "phone": form.contact_phone},
        "kind": form.kind,
        "audience": {"description": form.audience, "pupils": int(form.pupils)},
        "professions": form.professions,
        "language": form.language,
        "windows": windows,
        "team_size": int(form.team_size),
    }  # fmt: skip
    if form.notes:
        body["notes"] = form.notes
    return body


def refused_field(path: str, windows: int) -> str:
    """Where on the page a field booking named belongs (`body.` dropped; a window's start on its row's start; a
    field the page has not, such as the orgnr it does not let the person change, at the top: `form`)."""
    path = path.removeprefix("body.")
    parts = path.split(".")
    if parts[0] == "windows" and len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < windows:
        return f"windows.{parts[1]}.{parts[2] if len(parts) > 2 and parts[2] in ('start', 'end') else 'start'}"
    named = ".".join(part for part in parts if not part.isdigit())  # `professions.1` is the professions' question
    return named if named in FIELDS else "form"


def window_reason(reason: str) -> str:
    """A key of the page's words for booking's reason about a window."""
    checks = (("after the start", "end_before_start"), ("days ahead (not before", "notice"),
              ("at most", "too_far"), ("must last", "length"), ("end on the day", "one_day"),
              ("outside", "hours"), ("twice", "clock"), ("does not exist", "clock"))  # fmt: skip
    return next((key for text, key in checks if text in reason), "window")


def parse_instant(text: str) -> datetime | None:
    """An ISO 8601 time from booking, or None."""
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
