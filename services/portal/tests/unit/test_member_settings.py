"""Members' settings as the forms see them: quick picks for a holiday, what the fields accept, refusals placed beside
their field, and notices grouped for the channels' choice."""

from datetime import date

import pytest

from portal.domain import member_settings as rules


@pytest.mark.parametrize(("pick", "today", "days"), [
    ("next_week", date(2026, 12, 4), (date(2026, 12, 7), date(2026, 12, 13))),  # a Friday
    ("next_week", date(2026, 12, 7), (date(2026, 12, 14), date(2026, 12, 20))),  # a Monday: the week after
    ("next_week", date(2026, 12, 27), (date(2026, 12, 28), date(2027, 1, 3))),  # a Sunday, over the new year
    ("rest_of_month", date(2026, 12, 4), (date(2026, 12, 4), date(2026, 12, 31))),
    ("rest_of_month", date(2028, 2, 10), (date(2028, 2, 10), date(2028, 2, 29))),  # a leap year
    ("rest_of_month", date(2026, 4, 30), (date(2026, 4, 30), date(2026, 4, 30))),  # the last day: today only
    ("next_two_weeks", date(2026, 12, 4), (date(2026, 12, 5), date(2026, 12, 18))),
    ("tomorrow", date(2026, 12, 4), None),
    ("", date(2026, 12, 4), None),
])  # fmt: skip
def test_quick_picks_give_whole_days(pick: str, today: date, days: tuple[date, date] | None) -> None:
    assert rules.quick_holiday(pick, today) == days


@pytest.mark.parametrize(("text", "value"), [
    ("2026-12-24", date(2026, 12, 24)), (" 2026-12-24 ", date(2026, 12, 24)), ("2026-02-30", None),
    ("9999-12-31", date(9999, 12, 31)), ("24.12.2026", None), ("2026-12-24\x00", None), ("", None), ("1" * 300, None),
])  # fmt: skip
def test_dates_are_read_as_a_date_field_sends_them(text: str, value: date | None) -> None:
    assert rules.parse_date(text) == value


@pytest.mark.parametrize(("text", "value"), [
    ("3", 3), (" 31 ", 31), ("0", 0), ("99", 99), ("-1", None), ("3.5", None), ("", None), ("1234567", None),
    ("٣", None), ("1e3", None),
])  # fmt: skip
def test_numbers_are_whole_and_short(text: str, value: int | None) -> None:
    assert rules.parse_number(text) == value


@pytest.mark.parametrize(("text", "value"), [
    ("22:00", "22:00"), ("07:30:00", "07:30"), ("24:00", None), ("7:30", None), ("22:60", None), ("", None),
])  # fmt: skip
def test_times_of_day(text: str, value: str | None) -> None:
    assert rules.parse_time(text) == value


def test_holidays_shown_are_those_not_yet_over_in_order_and_one_is_removed_by_its_key() -> None:
    ranges = [{"from": "2026-12-20", "to": "2026-12-27"}, {"from": "2026-11-01", "to": "2026-11-03"},
              {"from": "2026-12-01", "to": "2026-12-04", "note": None}]  # fmt: skip
    shown = rules.upcoming(ranges, date(2026, 12, 4))
    assert [r["from"] for r in shown] == ["2026-12-01", "2026-12-20"]
    assert rules.without(ranges, rules.range_key(shown[1])) == [ranges[1], ranges[2]]
    assert rules.without(ranges, "no/such") == ranges


def test_the_preferred_language_stays_first() -> None:
    assert rules.ordered_languages(["nb", "en"], ["en", "nb"]) == ["en", "nb"]
    assert rules.ordered_languages(["nb", "nn", "en"], ["nn"]) == ["nn", "nb", "en"]
    assert rules.ordered_languages(["xx"], ["nb"]) == []


def test_a_refusal_is_placed_beside_the_form_field_it_names() -> None:
    fields = {"unavailable": "holiday_from", "max_visits_per_month": "max_visits_per_month"}
    assert rules.form_field("unavailable.0.from", fields) == "holiday_from"
    assert rules.form_field("max_visits_per_month", fields) == "max_visits_per_month"
    assert rules.form_field("name", fields) is None


def test_channels_are_chosen_by_group_and_other_notice_types_are_kept() -> None:
    channels = {"visit_offered": ["email", "inbox"], "sign_in_link": ["email"]}
    assert rules.group_channels(channels, "offers") == ["email"]
    assert rules.group_channels(channels, "gatherings") == ["email"]  # notify's default
    changed = rules.with_group_channels(channels, {"offers": ["sms"], "visits": ["sms", "email"], "gatherings": []})
    assert changed["visit_offered"] == changed["offer_expired"] == ["sms", "inbox"]
    assert changed["visit_reminder_member"] == ["email", "sms", "inbox"]
    assert changed["gathering_cancelled"] == ["inbox"]
    assert changed["sign_in_link"] == ["email"]
