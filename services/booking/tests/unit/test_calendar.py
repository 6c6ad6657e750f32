"""The iCalendar file: UTC instants that two parsers read alike at the clock changes, one UID with the mails,
SEQUENCE rising with each change, and always the latest state (confirmed, withdrawn after a reschedule, cancelled)."""

from datetime import UTC, datetime, timedelta

import ics
import pytest
from icalendar import Calendar

from booking.adapters.calendar import render_calendar
from booking.domain.model import Visit
from booking.domain.values import School, VisitDetails
from outreach_shared.contracts.common import TeamMember, TimeWindow

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
TEAM = [TeamMember(member_id="m1", first_name="Kari", profession="nurse")]

CLOCK_CHANGES = [  # Europe/Oslo: summer time from 28 March 2027 02:00, winter time from 31 October 2027 03:00
    datetime(2027, 3, 28, 0, 30, tzinfo=UTC),  # 01:30 CET, the last half hour before the spring change
    datetime(2027, 3, 28, 1, 0, tzinfo=UTC),  # 03:00 CEST, the first moment after it
    datetime(2027, 3, 27, 23, 0, tzinfo=UTC),  # a window across the change
    datetime(2027, 10, 31, 0, 30, tzinfo=UTC),  # 02:30 CEST, the first time Oslo lives 02:30 that night
    datetime(2027, 10, 31, 1, 30, tzinfo=UTC),  # 02:30 CET, the second time
    datetime(2027, 10, 30, 23, 0, tzinfo=UTC),  # a window across the change
    datetime(2027, 6, 15, 7, 0, tzinfo=UTC),  # an ordinary summer morning
]


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


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


@pytest.mark.parametrize("start", CLOCK_CHANGES, ids=lambda d: d.isoformat())
def test_two_independent_parsers_read_the_same_utc_instants_at_the_clock_changes(start: datetime) -> None:
    data = render_calendar(confirmed(start, hours=3), now=NOW)
    by_icalendar = parse(data).events[0]
    (by_ics,) = ics.Calendar(data.decode()).events
    expected = (start, start + timedelta(hours=3))
    assert (by_icalendar.start.astimezone(UTC), by_icalendar.end.astimezone(UTC)) == expected
    assert (by_ics.begin.to("UTC").datetime, by_ics.end.to("UTC").datetime) == expected
    assert by_ics.uid == by_icalendar["UID"] == "visit-v-123@outreach.jobbvinner.no"


def test_times_are_written_in_utc_without_a_timezone_definition_to_get_wrong() -> None:
    cal = parse(render_calendar(confirmed(datetime(2027, 3, 28, 1, tzinfo=UTC)), now=NOW))
    assert cal.timezones == []
    assert cal.events[0]["DTSTART"].to_ical() == b"20270328T010000Z"


def test_uid_is_the_mails_and_sequence_rises_with_each_change() -> None:
    visit = confirmed(datetime(2026, 3, 30, 7, tzinfo=UTC))
    first = parse(render_calendar(visit, now=NOW)).events[0]
    visit.change_team(visit.windows[0], [TeamMember(member_id="m9", first_name="Per", profession="nurse")], NOW)
    second = parse(render_calendar(visit, now=NOW)).events[0]
    assert first["UID"] == second["UID"] == "visit-v-123@outreach.jobbvinner.no"
    assert (first["SEQUENCE"], second["SEQUENCE"]) == (1, 2)
    assert "Per" in str(second["DESCRIPTION"])


def test_a_cancelled_visit_is_method_cancel_with_status_cancelled_and_higher_sequence() -> None:
    visit = confirmed(datetime(2026, 3, 30, 7, tzinfo=UTC))
    visit.cancel(reason="flu", by="school", now=NOW)
    cal = parse(render_calendar(visit, now=NOW))
    event = cal.events[0]
    assert cal["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 2


def test_a_rescheduled_visit_withdraws_the_time_it_was_confirmed_for_until_confirmed_again() -> None:
    start = datetime(2026, 3, 30, 7, tzinfo=UTC)
    visit = confirmed(start)
    later = TimeWindow(start=start + timedelta(days=7), end=start + timedelta(days=7, hours=2))
    visit.reschedule([later], NOW)
    withdrawn = parse(render_calendar(visit, now=NOW))
    assert withdrawn["METHOD"] == "CANCEL" and withdrawn.events[0]["STATUS"] == "CANCELLED"
    assert (withdrawn.events[0].start, withdrawn.events[0]["SEQUENCE"]) == (start, 2)
    visit.cancel(reason="closed", by="school", now=NOW)  # nothing more to withdraw: the same CANCEL
    assert parse(render_calendar(visit, now=NOW)).events[0]["SEQUENCE"] == 2
    visit = confirmed(start)
    visit.reschedule([later], NOW)
    visit.confirm_team(later, TEAM, NOW)
    again = parse(render_calendar(visit, now=NOW))
    assert again["METHOD"] == "PUBLISH" and again.events[0]["STATUS"] == "CONFIRMED"
    assert (again.events[0].start, again.events[0]["SEQUENCE"]) == (later.start, 3)


def test_a_confirmed_visit_is_published_as_confirmed() -> None:
    cal = parse(render_calendar(confirmed(datetime(2026, 3, 30, 7, tzinfo=UTC)), now=NOW))
    assert cal["METHOD"] == "PUBLISH" and cal.events[0]["STATUS"] == "CONFIRMED"
    assert "Skolebesøk" in str(cal.events[0]["SUMMARY"])
