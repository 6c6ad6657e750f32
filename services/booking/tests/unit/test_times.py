"""Preferred windows, Oslo time and school years."""

from datetime import UTC, date, datetime, timedelta

import pytest

from booking.domain.times import WindowPolicy, check_windows, school_year, school_year_bounds
from outreach_shared.bounds.times import OSLO
from outreach_shared.contracts.common import TimeWindow, VisitKind
from outreach_shared.errors import Invalid

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)  # a Monday
POLICY = WindowPolicy(min_notice=timedelta(days=7))


def window(start_days: float, hours: float = 2, at: int = 10) -> TimeWindow:
    """A window `start_days` after NOW's date, from `at` o'clock Oslo time."""
    day = (NOW + timedelta(days=start_days)).date()
    start = datetime(day.year, day.month, day.day, at, tzinfo=OSLO)
    return TimeWindow(start=start, end=start + timedelta(hours=hours))


def refusal(windows: list[TimeWindow], kind: VisitKind = "school_visit") -> Invalid:
    with pytest.raises(Invalid) as err:
        check_windows(windows, kind=kind, now=NOW, policy=POLICY)
    return err.value


def test_accepts_windows_at_least_the_minimum_notice_ahead() -> None:
    check_windows([window(8), window(30)], kind="school_visit", now=NOW, policy=POLICY)


def test_refuses_a_window_inside_the_minimum_notice_naming_its_field() -> None:
    err = refusal([window(10), window(3)])
    assert err.field == "windows.1.start"
    assert "at least 7 days ahead" in err.detail


def test_refuses_a_window_that_ends_before_it_starts() -> None:
    assert refusal([window(10, hours=-1)]).field == "windows.0.end"


def test_refuses_a_window_longer_than_a_school_day() -> None:
    assert refusal([window(10, hours=24 * 32)]).field == "windows.0.end"


def test_refuses_a_window_in_year_9999_before_it_can_overflow() -> None:
    far = TimeWindow(start=datetime(9999, 12, 31, 23, tzinfo=UTC), end=datetime(9999, 12, 31, 23, 30, tzinfo=UTC))
    err = refusal([window(10), far])
    assert err.field == "windows.1.start" and "at most 548 days ahead" in err.detail


def test_refuses_a_school_visit_at_night_or_on_a_sunday() -> None:
    assert refusal([window(9, at=1)]).field == "windows.0.start"  # Wednesday 01:00
    assert "Sunday" in refusal([window(13)]).detail


def test_an_education_fair_may_be_on_a_saturday_evening() -> None:
    check_windows([window(12, at=18, hours=3)], kind="education_fair", now=NOW, policy=POLICY)


def test_refuses_the_repeated_hour_of_the_autumn_clock_change() -> None:
    start = datetime.fromisoformat("2026-10-25T02:30+02:00")
    err = refusal([TimeWindow(start=start, end=datetime.fromisoformat("2026-10-25T02:30+01:00"))], "education_fair")
    assert err.field == "windows.0.start" and "happens twice in Europe/Oslo" in err.detail


@pytest.mark.parametrize(
    ("day", "label"),
    [(date(2026, 7, 31), "2025/26"), (date(2026, 8, 1), "2026/27"), (date(2027, 1, 15), "2026/27"),
     (date(1999, 9, 1), "1999/00")],
)  # fmt: skip
def test_labels_the_school_year_from_august_to_july(day: date, label: str) -> None:
    assert school_year(day) == label


def test_school_year_bounds_are_first_of_august_to_end_of_july() -> None:
    assert school_year_bounds("2026/27") == (date(2026, 8, 1), date(2027, 7, 31))


@pytest.mark.parametrize("label", ["2026/28", "26/27", "2026-27"])
def test_school_year_bounds_refuse_inconsistent_labels(label: str) -> None:
    with pytest.raises(ValueError):
        school_year_bounds(label)
