"""Preferred windows, Oslo time and school years."""

from datetime import UTC, date, datetime, timedelta

import pytest

from booking.domain.times import check_windows, school_year, school_year_bounds
from outreach_shared.contracts.common import TimeWindow
from outreach_shared.errors import Invalid

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
WEEK = timedelta(days=7)


def window(start_days: float, hours: float = 2) -> TimeWindow:
    start = NOW + timedelta(days=start_days)
    return TimeWindow(start=start, end=start + timedelta(hours=hours))


def test_accepts_windows_at_least_the_minimum_notice_ahead() -> None:
    check_windows([window(7), window(30)], now=NOW, min_notice=WEEK)


def test_refuses_a_window_inside_the_minimum_notice_naming_its_field() -> None:
    with pytest.raises(Invalid) as err:
        check_windows([window(10), window(6.9)], now=NOW, min_notice=WEEK)
    assert err.value.field == "windows.1.start"
    assert "at least 7 days ahead" in err.value.detail


def test_refuses_a_window_that_ends_before_it_starts() -> None:
    with pytest.raises(Invalid) as err:
        check_windows([window(10, hours=-1)], now=NOW, min_notice=WEEK)
    assert err.value.field == "windows.0.end"


def test_refuses_a_window_longer_than_a_month() -> None:
    with pytest.raises(Invalid) as err:
        check_windows([window(10, hours=24 * 32)], now=NOW, min_notice=WEEK)
    assert err.value.field == "windows.0.end"


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
