"""Time rules: preferred windows, Oslo local time and school years."""

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from outreach_shared.contracts.common import TimeWindow
from outreach_shared.errors import Invalid

OSLO = ZoneInfo("Europe/Oslo")
MAX_WINDOW_LENGTH = timedelta(days=31)


def check_windows(windows: Sequence[TimeWindow], *, now: datetime, min_notice: timedelta) -> None:
    """Raise Invalid (naming the field) unless every window ends after it starts and starts late enough."""
    earliest = now + min_notice
    for i, window in enumerate(windows):
        if window.end <= window.start:
            raise Invalid(f"windows.{i}.end: the end must be after the start", field=f"windows.{i}.end")
        if window.end - window.start > MAX_WINDOW_LENGTH:
            raise Invalid(f"windows.{i}.end: a window may span at most 31 days", field=f"windows.{i}.end")
        if window.start < earliest:
            raise Invalid(
                f"windows.{i}.start: must start at least {min_notice.days} days ahead "
                f"(not before {earliest.astimezone(OSLO).isoformat(timespec='minutes')})",
                field=f"windows.{i}.start",
            )


def in_oslo(moment: datetime) -> datetime:
    """The moment in Europe/Oslo local time; as it is (the same instant, in UTC) where Oslo's calendar has no such
    day: the last hours of year 9999 are already year 10000 there, and one stored row like that must not make
    every answer about it (or every list and figure that includes it) fail."""
    try:
        return moment.astimezone(OSLO)
    except OverflowError:
        return moment


def window_in_oslo(window: TimeWindow) -> TimeWindow:
    """A window expressed with Oslo offsets."""
    return TimeWindow(start=in_oslo(window.start), end=in_oslo(window.end))


def school_year(day: date) -> str:
    """The school year (1 Aug – 31 Jul) a day falls in, labelled like "2026/27"."""
    first = day.year if day.month >= 8 else day.year - 1
    return f"{first}/{(first + 1) % 100:02d}"


def school_year_bounds(label: str) -> tuple[date, date]:
    """The first and the last day of a school year label like "2026/27"; raises ValueError."""
    first, _, second = label.partition("/")
    start = int(first)
    if len(first) != 4 or second != f"{(start + 1) % 100:02d}":
        raise ValueError(f"not a school year label: {label!r}")
    return date(start, 8, 1), date(start + 1, 7, 31)
