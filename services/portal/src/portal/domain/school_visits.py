"""Schools' visits as their pages show them: pure helpers over booking's answers (no I/O).

Booking lists a school's visits oldest first (by creation) with limit and offset; the page shows the newest first,
so a page of it is read from the end (`newest_first`). What the school may do with a visit follows booking's own
rules (`actions`), so the page offers only what booking would accept; booking still decides.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from portal.i18n import N_

OSLO = ZoneInfo("Europe/Oslo")
PER_PAGE = 20
"""Visits on one page of the list."""
MAX_PAGE = 10_000
"""The highest page number the list accepts (far beyond any school's visits)."""
MAX_WINDOWS = 3
"""New windows a reschedule form offers (booking accepts up to 5)."""

STATUSES: dict[str, tuple[str, str, str]] = {
    "requested": (N_("Requested"), "info", N_("We are looking for a team for one of the times you gave.")),
    "offered": (N_("Offered to members"), "info", N_("Members near you have been asked. We will tell you when a "
                                                      "team has said yes.")),
    "confirmed": (N_("Confirmed"), "success", N_("The team is ready. You have had an invitation for your calendar.")),
    "unfulfilled": (N_("No team found"), "warning", N_("We could not find a team for the times you gave. Give new "
                                                       "times, or cancel the visit.")),
    "cancelled": (N_("Cancelled"), "neutral", N_("The visit will not take place.")),
    "completed": (N_("Completed"), "neutral", N_("The visit has taken place. Thank you!")),
}  # fmt: skip
"""Each status: its name, the Designsystemet colour of its tag, and what it means for the school (what to do next)."""
KINDS = {"school_visit": N_("School visit"), "education_fair": N_("Education fair"), "career_day": N_("Career day"),
         "digital_visit": N_("Digital visit")}  # fmt: skip
PROFESSIONS = {"nurse": N_("Nurse"), "health_worker": N_("Health worker")}
RATINGS = ((5, N_("5 – excellent")), (4, N_("4 – good")), (3, N_("3 – OK")), (2, N_("2 – poor")),
           (1, N_("1 – very poor")))  # fmt: skip
"""The rating's options, best first."""
DONE = {"cancelled": N_("The visit is cancelled."), "rescheduled": N_("The new times are sent. We look for a team "
        "again."), "rated": N_("Thank you for your rating!")}  # fmt: skip
"""What the page says in its live region after a form did something (`?done=`)."""


def moment(value: str | None) -> datetime | None:
    """An ISO 8601 time from booking, or None."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=OSLO)


def first_names(team: list[dict[str, Any]]) -> list[str]:
    """The team's first names as booking knows them (a member not yet known to booking is left out)."""
    return [str(m["first_name"]) for m in team if m.get("first_name")]


@dataclass(frozen=True)
class Slice:
    """Which of booking's rows one page of the newest-first list is: `offset`, `limit` (0: none)."""

    offset: int
    limit: int


def newest_first(total: int, page: int, per_page: int = PER_PAGE) -> Slice:
    """The rows of page `page` (1-based) when `total` rows sorted oldest first are shown newest first."""
    end = total - (page - 1) * per_page
    if end <= 0:
        return Slice(0, 0)
    start = max(0, end - per_page)
    return Slice(start, end - start)


def page_count(total: int, per_page: int = PER_PAGE) -> int:
    """How many pages `total` rows fill (at least one)."""
    return max(1, -(-total // per_page))


@dataclass(frozen=True)
class Row:
    """A visit in the school's list."""

    id: str
    status: str
    kind: str
    starts: datetime | None
    """The scheduled start, else the first preferred one."""
    scheduled: bool
    team: list[str]
    created_at: datetime | None


def row(item: dict[str, Any]) -> Row:
    """A visit of booking's list as the page shows it."""
    scheduled = item.get("scheduled") or None
    starts = moment(scheduled["start"]) if scheduled else moment(item.get("visit_date"))
    return Row(id=str(item["id"]), status=str(item["status"]), kind=str(item.get("kind", "")), starts=starts,
               scheduled=scheduled is not None, team=first_names(item.get("team") or []),
               created_at=moment(item.get("created_at")))  # fmt: skip


@dataclass(frozen=True)
class Actions:
    """What the school may do with a visit now (booking's rules)."""

    cancel: bool
    reschedule: bool
    rate: bool
    rated: bool
    calendar: bool


def actions(visit: dict[str, Any], now: datetime) -> Actions:
    """Cancel and reschedule until it has ended or started; rate once after its scheduled end; the calendar file
    once it has been confirmed."""
    status = visit["status"]
    scheduled = visit.get("scheduled") or None
    start = moment(scheduled["start"]) if scheduled else None
    end = moment(scheduled["end"]) if scheduled else None
    open_ = status not in ("cancelled", "completed") and not (status == "confirmed" and start is not None
                                                              and start <= now)  # fmt: skip
    rated = visit.get("rating") is not None
    took_place = status in ("confirmed", "completed") and end is not None and end <= now
    ever_confirmed = status in ("confirmed", "completed") or any(
        h.get("status") == "confirmed" for h in visit.get("history") or []
    )
    return Actions(cancel=open_, reschedule=open_, rate=took_place and not rated, rated=rated,
                   calendar=ever_confirmed)  # fmt: skip


def unfulfilled_reason(visit: dict[str, Any]) -> str | None:
    """Booking's note on why no team was found (the latest 'unfulfilled' in the history)."""
    notes = [h.get("note") for h in visit.get("history") or [] if h.get("status") == "unfulfilled"]
    return str(notes[-1]) if notes and notes[-1] else None


TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


@dataclass(frozen=True)
class WindowsForm:
    """The reschedule form as given: rows of (date, start, end) as typed, the windows read from them (ISO times in
    Oslo), and what is wrong by field id (`window-N-date`, `window-N-start`, `window-N-end`)."""

    given: list[dict[str, str]]
    windows: list[dict[str, str]]
    errors: dict[str, str]


def read_windows(form: dict[str, str], rows: int = MAX_WINDOWS) -> WindowsForm:
    """Windows from the form's fields `window-N-date` (YYYY-MM-DD), `-start` and `-end` (HH:MM); a row left empty is
    skipped, one filled in part is an error; at least one is needed. Error texts are message ids."""
    given, windows, errors = [], [], {}
    for n in range(rows):
        typed = {part: form.get(f"window-{n}-{part}", "").strip()[:20] for part in ("date", "start", "end")}
        given.append(typed)
        if not any(typed.values()):
            continue
        day = _date(typed["date"])
        start, end = _time(typed["start"]), _time(typed["end"])
        if day is None:
            errors[f"window-{n}-date"] = N_("Give the date of the visit as a day, month and year.")
        if start is None:
            errors[f"window-{n}-start"] = N_("Give the time it may start, like 09:00.")
        if end is None:
            errors[f"window-{n}-end"] = N_("Give the time it must end by, like 14:00.")
        elif start is not None and end <= start:
            errors[f"window-{n}-end"] = N_("The end must be after the start.")
        if day is not None and start is not None and end is not None and end > start:
            windows.append({"start": _at(day, start), "end": _at(day, end)})
    if not windows and not errors:
        errors["window-0-date"] = N_("Give at least one new time.")
    return WindowsForm(given, windows, errors)


def _date(text: str) -> date | None:
    try:
        parsed = date.fromisoformat(text)
    except ValueError:
        return None
    return parsed if EARLIEST <= parsed <= LATEST and len(text) == 10 else None


def _time(text: str) -> time | None:
    found = TIME.fullmatch(text)
    return time(int(found[1]), int(found[2])) if found else None


def _at(day: date, at: time) -> str:
    return datetime.combine(day, at, tzinfo=OSLO).isoformat()


def window_field(field: str, sent: list[dict[str, str]], given: list[dict[str, str]]) -> str:
    """The form field that booking's error field (`windows.N.start`, `windows.N.end`, `windows`) is about: booking
    numbers only the windows sent, so N is mapped back to the form's row."""
    rows = [n for n, typed in enumerate(given) if any(typed.values())]
    found = re.fullmatch(r"windows\.(\d+)\.(start|end)", field)
    if found and int(found[1]) < len(sent) and int(found[1]) < len(rows):
        return f"window-{rows[int(found[1])]}-{found[2]}"
    return f"window-{rows[0] if rows else 0}-date"


def rating_value(text: str | None) -> int | None:
    """The chosen rating 1–5, or None."""
    return int(text) if text in ("1", "2", "3", "4", "5") else None


def clean_text(text: str | None, limit: int) -> str:
    """A free text as a person typed it, without control characters other than line breaks, at most `limit`."""
    kept = "".join(ch for ch in (text or "") if ch in "\n\t" or (ch.isprintable() and ch != "\x00"))
    return kept.replace("\r", "").strip()[:limit]


def one_line(text: str | None, limit: int) -> str:
    """A free text on one line (line breaks and runs of spaces become one space), at most `limit` characters."""
    return " ".join(clean_text(text, limit * 2).split())[:limit]


VISIT_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
"""What a visit id can look like (booking's are UUIDs); anything else is not found without asking booking."""
FEEDBACK_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,400}\.[A-Za-z0-9_-]{43}")
"""What a feedback link's token looks like (booking checks the signature)."""


BOOKING_REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"must start at least (?P<days>\d+) days ahead"), N_("The visit must start at least %(days)s days "
                                                                      "from today.")),
    (re.compile(r"at most (?P<days>\d+) days ahead|more than (?P<more>\d+) days from today"),
     N_("The visit can be at most %(days)s days from today.")),
    (re.compile(r"must not be before"), N_("That time has passed.")),
    (re.compile(r"happens twice|does not exist in Europe/Oslo"), N_("That time falls in the hour the clocks change. "
                                                                    "Choose another time.")),
    (re.compile(r"must last from"), N_("The time is too short or too long for a visit.")),
    (re.compile(r"must end on the day it starts"), N_("The visit must start and end on the same day.")),
    (re.compile(r"is outside"), N_("The time is outside the days and hours visits of this kind take place.")),
)  # fmt: skip
"""Booking's window refusals the page can say in the school's language (the rest are shown in booking's words)."""


def explained(reason: str) -> tuple[str, dict[str, str]] | None:
    """A message id and its values for one of booking's window refusals, or None when the page has no words for it."""
    for pattern, message in BOOKING_REASONS:
        found = pattern.search(reason)
        if found:
            values = {k: v for k, v in found.groupdict().items() if v is not None}
            if "more" in values:
                values["days"] = values.pop("more")
            return message, values
    return None


def without_field(reason: str) -> str:
    """Booking's reason without the field name it starts with (`windows.0.start: ...`)."""
    return re.sub(r"^[A-Za-z_][A-Za-z0-9_.]*: ", "", reason)


def explanation(visit: dict[str, Any], now: datetime) -> str | None:
    """What the visit's status means for the school now (a message id): a confirmed visit whose time has passed
    waits for its team's report, and for the school's rating."""
    status = visit["status"]
    scheduled = visit.get("scheduled") or None
    end = moment(scheduled["end"]) if scheduled else None
    if status == "confirmed" and end is not None and end <= now:
        return N_("The time of the visit has passed. Tell us how it went!")
    return STATUSES[status][2] if status in STATUSES else None
