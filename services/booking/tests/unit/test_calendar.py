"""The iCalendar file: Europe/Oslo across daylight saving, stable UID, SEQUENCE and cancellation."""

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from booking.adapters.calendar import render_calendar
from booking.domain.model import Visit
from booking.domain.values import School, VisitDetails
from outreach_shared.contracts.common import TeamMember, TimeWindow

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
TEAM = [TeamMember(member_id="m1", first_name="Kari", profession="nurse")]


def confirmed(start_utc: datetime, hours: int = 2) -> Visit:
    window = TimeWindow(start=start_utc, end=start_utc + timedelta(hours=hours))
    visit = Visit.request(
        id="v-123",
        school=School("974760673", "Byskolen", "0301", "Skolegata 1, Oslo"),
        details=VisitDetails("school_visit", "10. trinn", 60, ("nurse",), "nb", 1),
        windows=[window],
        now=NOW,
    )
    visit.confirm_team(window, TEAM, NOW)
    return visit


def parse(ics: bytes) -> Calendar:
    return Calendar.from_ical(ics)


def test_times_are_oslo_local_on_both_sides_of_the_spring_dst_change() -> None:
    before = parse(render_calendar(confirmed(datetime(2026, 3, 27, 8, tzinfo=UTC)), now=NOW)).events[0]
    after = parse(render_calendar(confirmed(datetime(2026, 3, 30, 7, tzinfo=UTC)), now=NOW)).events[0]
    for event, offset_hours in ((before, 1), (after, 2)):
        start = event.start
        assert (start.hour, start.minute) == (9, 0)
        assert str(start.tzinfo) == "Europe/Oslo"
        assert start.utcoffset() == timedelta(hours=offset_hours)
        assert event["DTSTART"].params["TZID"] == "Europe/Oslo"
        assert event.end - start == timedelta(hours=2)


def test_a_visit_spanning_the_autumn_change_keeps_its_real_duration() -> None:
    # 2026-10-25 01:30 CEST (23:30 UTC) to 03:30 CET (02:30 UTC): three real hours.
    visit = confirmed(datetime(2026, 10, 24, 23, 30, tzinfo=UTC), hours=3)
    event = parse(render_calendar(visit, now=NOW)).events[0]
    assert event.start.utcoffset() == timedelta(hours=2) and event.end.utcoffset() == timedelta(hours=1)
    assert event.end.astimezone(UTC) - event.start.astimezone(UTC) == timedelta(hours=3)


def test_the_calendar_carries_a_vtimezone_with_standard_and_daylight_rules() -> None:
    cal = parse(render_calendar(confirmed(datetime(2026, 3, 30, 7, tzinfo=UTC)), now=NOW))
    (tz,) = cal.timezones
    assert tz["TZID"] == "Europe/Oslo"
    assert {c.name for c in tz.subcomponents} == {"STANDARD", "DAYLIGHT"}


def test_uid_is_stable_and_sequence_rises_with_each_change() -> None:
    visit = confirmed(datetime(2026, 3, 30, 7, tzinfo=UTC))
    first = parse(render_calendar(visit, now=NOW)).events[0]
    visit.change_team(visit.windows[0], [TeamMember(member_id="m9", first_name="Per", profession="nurse")], NOW)
    second = parse(render_calendar(visit, now=NOW)).events[0]
    assert first["UID"] == second["UID"] == "v-123@outreach.jobbvinner.no"
    assert (first["SEQUENCE"], second["SEQUENCE"]) == (1, 2)
    assert "Per" in str(second["DESCRIPTION"])


def test_a_cancelled_visit_is_method_cancel_with_status_cancelled_and_higher_sequence() -> None:
    visit = confirmed(datetime(2026, 3, 30, 7, tzinfo=UTC))
    visit.cancel(reason="flu", by="school", now=NOW)
    cal = parse(render_calendar(visit, now=NOW))
    event = cal.events[0]
    assert cal["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 2


def test_a_confirmed_visit_is_published_as_confirmed() -> None:
    cal = parse(render_calendar(confirmed(datetime(2026, 3, 30, 7, tzinfo=UTC)), now=NOW))
    assert cal["METHOD"] == "PUBLISH" and cal.events[0]["STATUS"] == "CONFIRMED"
    assert "Skolebesøk" in str(cal.events[0]["SUMMARY"])
