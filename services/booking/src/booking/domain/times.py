"""Time rules: preferred windows, Oslo local time and school years."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from outreach_shared.bounds.times import OSLO, TimeRules, check_window
from outreach_shared.contracts.common import TimeWindow, VisitKind
from outreach_shared.errors import Invalid

__all__ = ["OSLO", "WindowPolicy", "check_windows", "in_oslo", "school_year", "school_year_bounds", "window_in_oslo"]


@dataclass(frozen=True)
class WindowPolicy:
    """How soon a window may start, and the bounds every window keeps (from the settings)."""

    min_notice: timedelta = timedelta(days=7)
    rules: TimeRules = field(default_factory=TimeRules)


def check_windows(windows: Sequence[TimeWindow], *, kind: VisitKind, now: datetime, policy: WindowPolicy) -> None:
    """Raise Invalid (naming the field) unless every window starts late enough and keeps the bounds of its kind
    (`outreach_shared.bounds.times.check_window`): within the horizon, at Oslo times that exist once, at the kind's
    hours."""
    earliest, hours = now + policy.min_notice, policy.rules.for_kind(kind)
    for i, window in enumerate(windows):
        if window.end > window.start and window.start < earliest:
            raise Invalid(
                f"windows.{i}.start: must start at least {policy.min_notice.days} days ahead "
                f"(not before {earliest.astimezone(OSLO).isoformat(timespec='minutes')})",
                field=f"windows.{i}.start",
            )
        check_window(
            window.start, window.end, hours=hours, now=now, rules=policy.rules,
            fields=(f"windows.{i}.start", f"windows.{i}.end"),
        )  # fmt: skip


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
