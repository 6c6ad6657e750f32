"""Valid times for tests, fixtures, demo data and benchmarks: school days at school hours, Europe/Oslo."""

from datetime import date, datetime, time, timedelta

from outreach_shared.bounds.times import OSLO


def school_day(after: date, *, days: int = 0) -> date:
    """The first Monday–Friday at least `days` days after `after`."""
    day = after + timedelta(days=days)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return day


def school_day_window(
    days_ahead: int = 14, *, at: time = time(10), hours: float = 2, now: datetime | None = None
) -> dict[str, str]:
    """A window (as a request carries it) on the first school day `days_ahead` days after `now` (default: the real
    time), starting at `at` Oslo time and lasting `hours`: valid for every visit kind with the default rules."""
    start = school_day_start(days_ahead, at=at, now=now)
    return {"start": start.isoformat(), "end": (start + timedelta(hours=hours)).isoformat()}


def school_day_start(days_ahead: int = 14, *, at: time = time(10), now: datetime | None = None) -> datetime:
    """The start of `school_day_window(...)`, as an aware datetime in Oslo time."""
    today = (now or datetime.now(OSLO)).astimezone(OSLO).date()
    return datetime.combine(school_day(today, days=days_ahead), at, OSLO)
