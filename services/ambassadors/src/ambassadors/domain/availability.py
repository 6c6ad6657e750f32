"""Whether one member can take one visit window: the hard rules, each with a reason when not."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from outreach_shared.contracts.common import Profession, TimeWindow

OSLO = ZoneInfo("Europe/Oslo")
DAY_PARTS: tuple[tuple[str, time, time | None], ...] = (
    ("morning", time(0), time(11)),
    ("midday", time(11), time(13)),
    ("afternoon", time(13), None),
)
"""The parts of a day members choose from (Oslo time): a window needs every part it overlaps."""
WHOLE_DAY = frozenset(name for name, _, _ in DAY_PARTS)


@dataclass(frozen=True)
class Commitment:
    """A visit window a member is already offered or has accepted."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class Candidate:
    """A member as matching sees them, with distance and load already known."""

    member_id: str
    profession: Profession
    municipality_name: str
    same_municipality: bool
    distance_km: float
    travel_radius_km: int
    languages: frozenset[str]
    weekdays: frozenset[int]
    unavailable_dates: frozenset[date]
    max_visits_per_month: int
    away: tuple[tuple[date, date], ...] = ()
    """Date ranges the member is away, first and last day included."""
    times_of_day: frozenset[str] = WHOLE_DAY
    recent_visits: int = 0
    trained_year: int | None = None
    commitments: tuple[Commitment, ...] = ()
    """Visit windows the member already holds a seat on: every one, or (from the candidate query) those near the
    visit's windows, with `visits_by_month` then counting the seats per month."""
    active: bool = True
    visits_by_month: Mapping[tuple[int, int], int] | None = field(default=None, hash=False)
    """Seats held per local (year, month), for at least the months the visit's windows start in; None: count
    `commitments`."""

    def visits_in(self, month: tuple[int, int], tz: ZoneInfo = OSLO) -> int:
        """How many seats the member holds on visits starting in a local (year, month)."""
        if self.visits_by_month is not None:
            return self.visits_by_month.get(month, 0)
        return sum(month_of(b.start, tz) == month for b in self.commitments)


@dataclass(frozen=True)
class Policy:
    """Tunable matching rules."""

    travel_buffer: timedelta = timedelta(minutes=60)
    distance_band_km: float = 10.0
    tz: ZoneInfo = field(default=OSLO)


def local_dates(window: TimeWindow, tz: ZoneInfo = OSLO) -> list[date]:
    """Every local calendar date the window touches."""
    first, last = window.start.astimezone(tz).date(), window.end.astimezone(tz).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def month_of(moment: datetime, tz: ZoneInfo = OSLO) -> tuple[int, int]:
    """The local (year, month) of a moment."""
    local = moment.astimezone(tz)
    return local.year, local.month


def month_bounds(month: tuple[int, int], tz: ZoneInfo = OSLO) -> tuple[datetime, datetime]:
    """The first instant of a local (year, month) and of the next month."""
    year, number = month
    following = (year + number // 12, number % 12 + 1)
    return datetime(year, number, 1, tzinfo=tz), datetime(*following, 1, tzinfo=tz)


def parts_of_day(window: TimeWindow, tz: ZoneInfo = OSLO) -> frozenset[str]:
    """The parts of the day (DAY_PARTS) the window overlaps, in local time."""
    start, end = window.start.astimezone(tz), window.end.astimezone(tz)
    touched: set[str] = set()
    day = start.date()
    while day <= end.date() and touched != WHOLE_DAY:  # windows last at most a month
        for name, opens, closes in DAY_PARTS:
            part_start = datetime.combine(day, opens, tz)
            part_end = datetime.combine(day, closes, tz) if closes else datetime.combine(day + timedelta(1), time(), tz)
            if start < part_end and part_start < end:
                touched.add(name)
        day += timedelta(days=1)
    return frozenset(touched)


def is_away(c: Candidate, day: date) -> bool:
    """True when the day is one of the member's days off or in a range they are away."""
    return day in c.unavailable_dates or any(first <= day <= last for first, last in c.away)


def overlaps(a_start: datetime, a_end: datetime, b: Commitment, buffer: timedelta) -> bool:
    """True when two windows are closer than the travel buffer."""
    return a_start < b.end + buffer and b.start < a_end + buffer


def never_fits(c: Candidate, *, professions: frozenset[str], language: str) -> str | None:
    """Why the member cannot take any window of this visit (the rules that do not depend on the window)."""
    if not c.active:
        return "inactive"
    if c.profession not in professions:
        return "profession not requested"
    if language not in c.languages:
        return "does not speak the language"
    if not c.same_municipality and c.distance_km > c.travel_radius_km:
        return "outside travel radius"
    return None


def unavailable_reason(
    c: Candidate, window: TimeWindow, *, professions: frozenset[str], language: str, policy: Policy
) -> str | None:
    """Why the member cannot take this window, or None when they can."""
    days = local_dates(window, policy.tz)
    if reason := never_fits(c, professions=professions, language=language):
        return reason
    if any(d.isoweekday() not in c.weekdays for d in days):
        return "not available that weekday"
    if any(is_away(c, d) for d in days):
        return "unavailable that date"
    if c.times_of_day != WHOLE_DAY and not parts_of_day(window, policy.tz) <= c.times_of_day:
        return "not available at that time of day"
    if any(overlaps(window.start, window.end, b, policy.travel_buffer) for b in c.commitments):
        return "busy with another visit"
    if c.visits_in(month_of(window.start, policy.tz), policy.tz) >= c.max_visits_per_month:
        return "monthly limit reached"
    return None
