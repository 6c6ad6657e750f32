"""The bounds at the edge: text without control characters, times within the horizon, at local times that exist
once in Europe/Oslo and at hours that fit the kind; the OpenAPI states each rule the server applies."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from outreach_dev.testing.windows import school_day_start
from outreach_shared.bounds.identifiers import Kommunenummer
from outreach_shared.bounds.text import Line, Lines, Name
from outreach_shared.bounds.times import (
    OSLO,
    TimeRules,
    check_date,
    check_instant,
    check_local_time,
    check_window,
)
from outreach_shared.errors import Invalid
from outreach_shared.settings import ServiceSettings, TimeBoundsSettings, service_config

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)  # a Monday
RULES = TimeRules()


class Texts(BaseModel):
    name: Name = "Kari"
    line: Line = "Skolevei 1"
    notes: Lines | None = None
    kommunenummer: Kommunenummer = "0301"


def _refused(**fields: Any) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        Texts(**fields)
    return [(".".join(map(str, e["loc"])), e["msg"]) for e in caught.value.errors()]


@pytest.mark.parametrize("bad", ["Kari\x00", "Ka\x07ri", "Kari\x1b[31m", "Kari\x7f", "Kari\x85", "Ka\nri", "Ka\tri"])
def test_control_characters_are_refused_in_names_and_lines(bad: str) -> None:
    assert _refused(name=bad)[0][0] == "name"
    assert _refused(line=bad)[0][0] == "line"


@pytest.mark.parametrize("bidi", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2069"])
def test_bidirectional_overrides_are_refused_in_names(bidi: str) -> None:
    says = f"holds a control character or a bidirectional override (U+{ord(bidi):04X}) at position 4"
    assert _refused(name=f"Kari{bidi}nnamdroN") == [("name", f"Value error, {says}")]


def test_notes_keep_newlines_and_tabs_but_no_other_control_character() -> None:
    assert Texts(notes="Linje 1\r\nLinje 2\tmed tab").notes == "Linje 1\nLinje 2\tmed tab"
    assert _refused(notes="Linje\x00")[0][0] == "notes"
    assert _refused(notes="Linje\rover")[0][0] == "notes"


def test_lengths_are_bounded_and_names_are_trimmed() -> None:
    assert Texts(name="  Kari  ").name == "Kari"
    assert _refused(name="x" * 201)[0][0] == "name"
    assert _refused(name="   ")[0][0] == "name"
    assert _refused(notes="x" * 2001)[0][0] == "notes"


def test_the_schema_states_each_text_rule_as_a_pattern_and_length() -> None:
    properties = Texts.model_json_schema()["properties"]
    assert properties["name"]["pattern"] == "^[^\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*$"
    assert properties["name"]["maxLength"] == 200
    assert properties["line"]["pattern"] == "^[^\\x00-\\x1f\\x7f-\\x9f]*$"
    assert properties["notes"]["anyOf"][0]["pattern"] == "^[^\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f]*$"


def test_a_kommunenummer_is_one_the_schema_lists_and_nothing_else() -> None:
    listed = Texts.model_json_schema()["properties"]["kommunenummer"]["enum"]
    assert len(listed) == 357 and "0301" in listed and "0000" not in listed
    assert "unknown kommunenummer '0000'" in _refused(kommunenummer="0000")[0][1]
    assert "Halden is 3101" in _refused(kommunenummer="3001")[0][1]
    assert all(Texts(kommunenummer=number).kommunenummer == number for number in listed)


def _window(start: str, end: str, kind: str = "school_visit") -> None:
    check_window(datetime.fromisoformat(start), datetime.fromisoformat(end), hours=RULES.for_kind(kind), now=NOW,
                 rules=RULES, fields=("windows.0.start", "windows.0.end"))  # fmt: skip


def _refusal(start: str, end: str, kind: str = "school_visit") -> tuple[str | None, str]:
    with pytest.raises(Invalid) as caught:
        _window(start, end, kind)
    return caught.value.field, caught.value.detail


def test_a_school_visit_on_a_school_day_within_school_hours_is_taken() -> None:
    _window("2027-04-06T08:00+02:00", "2027-04-06T16:00+02:00")
    _window("2027-04-06T10:00+02:00", "2027-04-06T10:30+02:00", "digital_visit")


@pytest.mark.parametrize("start", ["9999-12-31T23:00:00+00:00", "2028-09-04T10:00+02:00"])
def test_a_window_beyond_the_horizon_is_refused_without_overflowing(start: str) -> None:
    end = (datetime.fromisoformat(start) + timedelta(minutes=30)).isoformat()
    field, detail = _refusal(start, end)
    assert field == "windows.0.start" and "at most 548 days ahead" in detail


def test_a_window_in_year_one_is_refused_as_in_the_past() -> None:
    assert _refusal("0001-01-01T10:00+01:00", "0001-01-01T11:00+01:00")[0] == "windows.0.start"


def test_a_repeated_local_time_in_autumn_names_the_clock_change() -> None:
    field, detail = _refusal("2027-10-31T02:30+02:00", "2027-10-31T02:30+01:00", "education_fair")
    assert field == "windows.0.start"
    assert "02:30 on 2027-10-31 happens twice in Europe/Oslo" in detail and "+0200 to +0100" in detail


def test_a_skipped_local_time_in_spring_names_the_clock_change() -> None:
    field, detail = _refusal("2027-03-28T02:30+01:00", "2027-03-28T09:00+02:00", "education_fair")
    assert field == "windows.0.start" and "02:30 on 2027-03-28 does not exist in Europe/Oslo" in detail


@pytest.mark.parametrize("utc_first", [True, False])
def test_remembered_readings_tell_apart_one_instant_written_with_two_offsets(utc_first: bool) -> None:
    in_utc = datetime(2027, 3, 28, 1, 30, tzinfo=UTC)  # 03:30 in Oslo: taken
    skipped = datetime.fromisoformat("2027-03-28T02:30+01:00")  # the same instant, written at a skipped local time
    assert in_utc == skipped and hash(in_utc) == hash(skipped)  # what a cache keyed by the moment alone would mix up
    for _ in range(2):  # the second round answers from what was remembered
        for moment in (in_utc, skipped) if utc_first else (skipped, in_utc):
            if moment is skipped:
                with pytest.raises(Invalid, match="02:30 on 2027-03-28 does not exist in Europe/Oslo"):
                    check_local_time(moment, field="start")
            else:
                assert check_local_time(moment, field="start") == datetime(2027, 3, 28, 3, 30, tzinfo=OSLO)


def test_times_written_in_utc_are_read_in_oslo_time() -> None:
    _window("2027-04-06T06:00:00Z", "2027-04-06T08:00:00Z")  # 08:00–10:00 Oslo summer time
    assert _refusal("2027-04-06T05:00:00Z", "2027-04-06T07:00:00Z")[0] == "windows.0.start"  # 07:00 Oslo


@pytest.mark.parametrize(
    ("start", "end", "field", "says"),
    [("2027-04-04T10:00+02:00", "2027-04-04T12:00+02:00", "windows.0.start", "Sunday 10:00"),
     ("2027-04-06T01:30+02:00", "2027-04-06T03:30+02:00", "windows.0.start", "Monday–Friday 08:00–16:00"),
     ("2027-04-06T15:00+02:00", "2027-04-06T17:00+02:00", "windows.0.end", "Tuesday 17:00"),
     ("2027-04-06T10:00+02:00", "2027-04-06T10:10+02:00", "windows.0.end", "from 30 minutes to 12 hours"),
     ("2027-04-06T10:00+02:00", "2027-04-07T10:00+02:00", "windows.0.end", "from 30 minutes to 12 hours"),
     ("2027-04-06T10:00+02:00", "2027-04-06T09:00+02:00", "windows.0.end", "after the start")],
)  # fmt: skip
def test_a_school_visit_out_of_school_hours_is_refused_naming_the_end_that_is_out(
    start: str, end: str, field: str, says: str
) -> None:
    refused_field, detail = _refusal(start, end)
    assert refused_field == field and says in detail


def test_an_education_fair_may_be_in_the_evening_and_at_weekends_but_not_at_night() -> None:
    _window("2027-04-10T18:00+02:00", "2027-04-10T22:00+02:00", "education_fair")  # a Saturday evening
    assert _refusal("2027-04-10T21:00+02:00", "2027-04-10T23:00+02:00", "education_fair")[0] == "windows.0.end"
    assert _refusal("2027-04-10T18:00+02:00", "2027-04-11T09:00+02:00", "education_fair")[0] == "windows.0.end"


def test_a_gathering_may_last_several_days_within_the_days_hours() -> None:
    start, end = datetime(2027, 4, 6, 9, tzinfo=OSLO), datetime(2027, 4, 7, 15, tzinfo=OSLO)
    check_window(start, end, hours=RULES.gathering, now=NOW, rules=RULES, fields=("starts_at", "ends_at"))
    with pytest.raises(Invalid, match="from 1 hour to 7 days"):
        check_window(
            start,
            start + timedelta(days=8),
            hours=RULES.gathering,
            now=NOW,
            rules=RULES,
            fields=("starts_at", "ends_at"),
        )


def test_an_instant_may_lie_in_the_past_within_one_horizon() -> None:
    assert check_instant(NOW - timedelta(days=30), now=NOW, rules=RULES, field="opens").tzinfo == OSLO
    with pytest.raises(Invalid, match="must not be before"):
        check_instant(NOW - timedelta(days=600), now=NOW, rules=RULES, field="opens")


def test_a_date_is_within_one_horizon_of_today() -> None:
    check_date(date(2027, 12, 24), today=NOW.date(), rules=RULES, field="unavailable_dates.0")
    with pytest.raises(Invalid) as caught:
        check_date(date(9999, 12, 31), today=NOW.date(), rules=RULES, field="unavailable_dates.0")
    assert caught.value.field == "unavailable_dates.0"


def test_the_rules_come_from_each_services_settings_with_its_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    class Settings(TimeBoundsSettings, ServiceSettings):
        model_config = service_config("EXAMPLE_")

    assert Settings().time_rules() == TimeRules()
    monkeypatch.setenv("EXAMPLE_WINDOW_HORIZON_DAYS", "30")
    monkeypatch.setenv("EXAMPLE_SCHOOL_HOURS_START", "09:00")
    monkeypatch.setenv("EXAMPLE_SCHOOL_DAYS", "[1, 2, 3]")
    rules = Settings().time_rules()
    assert rules.horizon == timedelta(days=30) and rules.school.opens == time(9) and rules.school.days == {1, 2, 3}


def test_the_test_helper_gives_a_school_day_at_ten_oslo_time() -> None:
    start = school_day_start(5, now=datetime(2027, 3, 31, 23, tzinfo=UTC))  # Thursday 1 April in Oslo
    assert start == datetime(2027, 4, 6, 10, tzinfo=OSLO)  # 6 April is a Tuesday
    check_window(start, start + timedelta(hours=2), hours=RULES.school, now=NOW, rules=RULES, fields=("start", "end"))
