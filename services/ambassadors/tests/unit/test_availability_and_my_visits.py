"""Members' own availability (ranges away, parts of the day) as matching applies it, and what a member sees of their
visits: what is expected of them and the school year of their totals."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError
from test_use_cases_in_memory import NOW, WINDOW, candidate, offer, visit

from ambassadors.domain.availability import OSLO, Policy, parts_of_day, unavailable_reason
from ambassadors.domain.members import Away, MemberFields
from ambassadors.domain.my_visits import Expected, MyVisit, school_year_start
from ambassadors.entrypoints.schemas import MePatch
from outreach_shared.contracts.common import TimeWindow

NURSES = frozenset({"nurse"})


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=OSLO)


def window(day: date, start: tuple[int, int], end: tuple[int, int]) -> TimeWindow:
    return TimeWindow(start=local(day, *start), end=local(day, *end))


DAY = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("start", "end", "parts"),
    [((8, 30), (10, 30), {"morning"}), ((9, 0), (11, 0), {"morning"}), ((10, 0), (12, 0), {"morning", "midday"}),
     ((11, 0), (13, 0), {"midday"}), ((12, 30), (14, 0), {"midday", "afternoon"}), ((13, 0), (15, 0), {"afternoon"}),
     ((18, 0), (21, 0), {"afternoon"}), ((9, 0), (14, 0), {"morning", "midday", "afternoon"})],
)  # fmt: skip
def test_a_window_needs_every_part_of_the_day_it_overlaps(
    start: tuple[int, int], end: tuple[int, int], parts: set[str]
) -> None:
    assert parts_of_day(window(DAY, start, end)) == parts


def test_a_window_over_midnight_needs_the_morning_after() -> None:
    overnight = TimeWindow(start=local(DAY, 20), end=local(DAY + timedelta(days=1), 2))
    assert parts_of_day(overnight) == {"afternoon", "morning"}


def test_a_member_who_only_goes_in_the_morning_is_not_offered_an_afternoon() -> None:
    mornings = replace(candidate("m1"), times_of_day=frozenset({"morning"}))
    rule = {"professions": NURSES, "language": "nb", "policy": Policy()}
    assert unavailable_reason(mornings, window(DAY, (9, 0), (10, 30)), **rule) is None
    assert unavailable_reason(mornings, window(DAY, (10, 30), (11, 30)), **rule) == "not available at that time of day"
    assert unavailable_reason(mornings, window(DAY, (13, 0), (14, 0)), **rule) == "not available at that time of day"


def test_a_member_away_is_not_offered_a_visit_in_the_range_but_is_on_the_days_around_it() -> None:
    away = replace(candidate("m1"), away=((date(2026, 7, 1), date(2026, 7, 21)),))
    rule = {"professions": NURSES, "language": "nb", "policy": Policy()}
    for day in (date(2026, 7, 1), date(2026, 7, 10), date(2026, 7, 21)):
        assert unavailable_reason(away, window(day, (9, 0), (10, 0)), **rule) == "unavailable that date"
    for day in (date(2026, 6, 30), date(2026, 7, 22)):
        assert unavailable_reason(away, window(day, (9, 0), (10, 0)), **rule) is None


def test_a_range_away_ends_on_or_after_it_starts_and_ranges_are_kept_in_order_once() -> None:
    with pytest.raises(ValidationError, match="on or after"):
        Away.model_validate({"from": "2026-07-21", "to": "2026-07-01"})
    summer = {"from": "2026-07-01", "to": "2026-07-21", "note": "Sommerferie"}
    autumn = {"from": "2026-10-01", "to": "2026-10-03"}
    fields = MemberFields.model_validate({"name": "Kari Nordmann", "profession": "nurse", "kommunenummer": "5001",
                                          "email": "kari@example.no", "phone": "41234567", "languages": ["nb"],
                                          "unavailable": [autumn, summer, summer]})  # fmt: skip
    assert [(a.from_, a.to, a.note) for a in fields.unavailable] == [
        (date(2026, 7, 1), date(2026, 7, 21), "Sommerferie"),
        (date(2026, 10, 1), date(2026, 10, 3), None),
    ]
    assert fields.unavailable[0].model_dump(mode="json", by_alias=True)["from"] == "2026-07-01"


def test_my_patch_states_the_bounds_a_member_has() -> None:
    patch = MePatch.model_json_schema()["properties"]
    full = MemberFields.model_json_schema(mode="validation")["properties"]
    for field in MePatch.model_fields:
        assert {k: v for k, v in patch[field].items() if k not in ("title", "default")} == {
            k: v for k, v in full[field].items() if k not in ("title", "default")
        }, field
    assert MePatch.model_validate({"notice_language": None}).model_dump(exclude_unset=True) == {"notice_language": None}
    with pytest.raises(ValidationError, match="profession"):
        MePatch.model_validate({"profession": "nurse"})


def seen(status: str, visit_status: str = "confirmed", reported: bool = False) -> MyVisit:
    v = visit()
    return MyVisit(offer("o1", "m1", status), v.request, visit_status, reported)  # type: ignore[arg-type]


def test_an_open_offer_is_to_be_answered_by_its_deadline() -> None:
    assert seen("offered", "open").expected(NOW) == [Expected("answer_offer", NOW + timedelta(hours=48))]
    assert seen("offered", "open").expected(NOW + timedelta(hours=48)) == []


def test_a_report_is_expected_once_the_visit_started_until_it_is_filed() -> None:
    assert seen("accepted").expected(WINDOW.start - timedelta(minutes=1)) == []
    assert seen("accepted").expected(WINDOW.start) == [Expected("report")]
    done = seen("accepted", reported=True)
    assert done.expected(WINDOW.end + timedelta(days=1)) == [] and done.status == "completed"


def test_the_school_year_starts_on_the_first_of_august_in_oslo() -> None:
    assert school_year_start(datetime(2026, 7, 31, 21, 59, tzinfo=UTC)) == date(2025, 8, 1)
    assert school_year_start(datetime(2026, 7, 31, 22, 0, tzinfo=UTC)) == date(2026, 8, 1)
    assert school_year_start(datetime(2027, 2, 1, tzinfo=UTC)) == date(2026, 8, 1)
