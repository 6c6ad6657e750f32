"""The schools' visit pages' pure helpers: the newest-first pages over booking's oldest-first list, what a school may
do with a visit (booking's rules), and the reschedule form's windows."""

from datetime import UTC, datetime

import pytest

from portal.domain import school_visits as sv

NOW = datetime(2027, 3, 10, 12, tzinfo=UTC)


def visit(status: str, start: str | None = None, end: str | None = None, **extra: object) -> dict[str, object]:
    scheduled = {"start": start, "end": end} if start else None
    return {"id": "v1", "status": status, "scheduled": scheduled, "history": [], "rating": None, **extra}


@pytest.mark.parametrize(
    ("total", "page", "expected"),
    [(0, 1, (0, 0)), (5, 1, (0, 5)), (20, 1, (0, 20)), (21, 1, (1, 20)), (21, 2, (0, 1)), (45, 2, (5, 20)),
     (45, 3, (0, 5)), (45, 4, (0, 0))],
)  # fmt: skip
def test_a_page_of_the_newest_first_list_is_read_from_the_end_of_bookings_list(
    total: int, page: int, expected: tuple[int, int]
) -> None:
    wanted = sv.newest_first(total, page, per_page=20)
    assert (wanted.offset, wanted.limit) == expected


def test_every_visit_is_on_exactly_one_page() -> None:
    total = 53
    seen = []
    for page in range(1, sv.page_count(total, 20) + 1):
        wanted = sv.newest_first(total, page, per_page=20)
        seen += list(range(wanted.offset, wanted.offset + wanted.limit))
    assert sorted(seen) == list(range(total)) and len(seen) == total
    assert sv.page_count(0) == 1


def test_an_open_visit_can_be_cancelled_and_moved_but_not_rated() -> None:
    can = sv.actions(visit("offered"), NOW)
    assert (can.cancel, can.reschedule, can.rate, can.calendar) == (True, True, False, False)
    unfulfilled = sv.actions(visit("unfulfilled"), NOW)
    assert (unfulfilled.cancel, unfulfilled.reschedule) == (True, True)


def test_a_confirmed_visit_is_rated_once_after_its_end_and_not_changed_after_its_start() -> None:
    ahead = sv.actions(visit("confirmed", "2027-03-20T09:00:00+01:00", "2027-03-20T11:00:00+01:00"), NOW)
    assert (ahead.cancel, ahead.reschedule, ahead.rate, ahead.calendar) == (True, True, False, True)
    going_on = sv.actions(visit("confirmed", "2027-03-10T12:30:00+01:00", "2027-03-10T14:00:00+01:00"), NOW)
    assert (going_on.cancel, going_on.rate) == (False, False)  # 11:30–13:00 UTC: started, not ended
    ended = sv.actions(visit("completed", "2027-03-10T09:00:00+01:00", "2027-03-10T11:00:00+01:00"), NOW)
    assert (ended.cancel, ended.reschedule, ended.rate) == (False, False, True)
    rated = visit("completed", "2027-03-10T09:00:00+01:00", "2027-03-10T11:00:00+01:00", rating={"rating": 4})
    assert (sv.actions(rated, NOW).rate, sv.actions(rated, NOW).rated) == (False, True)


def test_the_calendar_file_is_offered_once_the_visit_was_ever_confirmed() -> None:
    cancelled = visit("cancelled", history=[{"status": "requested"}, {"status": "confirmed"}, {"status": "cancelled"}])
    assert sv.actions(cancelled, NOW).calendar
    assert not sv.actions(visit("cancelled", history=[{"status": "requested"}]), NOW).calendar


def test_the_list_shows_the_scheduled_time_else_the_first_preferred_and_the_teams_first_names() -> None:
    row = sv.row({"id": "a", "status": "confirmed", "kind": "school_visit", "visit_date": "2027-03-01T08:00:00+01:00",
                  "scheduled": {"start": "2027-03-02T09:00:00+01:00", "end": "2027-03-02T11:00:00+01:00"},
                  "created_at": "2027-01-01T10:00:00+01:00",
                  "team": [{"first_name": "Kari", "profession": "nurse"},
                           {"first_name": None, "profession": "nurse"}]})  # fmt: skip
    assert (row.starts, row.scheduled, row.team) == (
        datetime.fromisoformat("2027-03-02T09:00:00+01:00"),
        True,
        ["Kari"],
    )
    unscheduled = sv.row({"id": "b", "status": "requested", "visit_date": "2027-03-01T08:00:00+01:00", "team": []})
    assert (unscheduled.starts, unscheduled.scheduled) == (datetime.fromisoformat("2027-03-01T08:00:00+01:00"), False)


def test_the_reschedule_form_reads_whole_rows_in_oslo_time_and_skips_empty_ones() -> None:
    form = {"window-0-date": "2027-06-15", "window-0-start": "09:00", "window-0-end": "14:00",
            "window-2-date": "2027-01-10", "window-2-start": "8:30", "window-2-end": "10:00"}  # fmt: skip
    read = sv.read_windows(form)
    assert read.errors == {}
    assert read.windows == [
        {"start": "2027-06-15T09:00:00+02:00", "end": "2027-06-15T14:00:00+02:00"},  # summer time
        {"start": "2027-01-10T08:30:00+01:00", "end": "2027-01-10T10:00:00+01:00"},
    ]


@pytest.mark.parametrize(
    ("form", "field"),
    [({}, "window-0-date"),
     ({"window-0-date": "2027-02-30", "window-0-start": "09:00", "window-0-end": "10:00"}, "window-0-date"),
     ({"window-0-date": "9999-12-31", "window-0-start": "09:00", "window-0-end": "10:00"}, "window-0-date"),
     ({"window-0-date": "2027-02-03", "window-0-start": "25:00", "window-0-end": "10:00"}, "window-0-start"),
     ({"window-0-date": "2027-02-03", "window-0-start": "11:00", "window-0-end": "10:00"}, "window-0-end"),
     ({"window-1-date": "2027-02-03"}, "window-1-start"),
     ({"window-0-date": "2027-02-03\x00", "window-0-start": "09:00", "window-0-end": "10:00"}, "window-0-date")],
)  # fmt: skip
def test_a_row_that_cannot_be_read_names_its_field(form: dict[str, str], field: str) -> None:
    read = sv.read_windows(form)
    assert field in read.errors


def test_bookings_error_fields_point_back_at_the_forms_rows() -> None:
    given = [{"date": "", "start": "", "end": ""}, {"date": "2027-01-01", "start": "09:00", "end": "10:00"},
             {"date": "2027-01-02", "start": "09:00", "end": "10:00"}]  # fmt: skip
    sent = [{"start": "a", "end": "b"}, {"start": "c", "end": "d"}]
    assert sv.window_field("windows.0.start", sent, given) == "window-1-start"
    assert sv.window_field("windows.1.end", sent, given) == "window-2-end"
    assert sv.window_field("windows", sent, given) == "window-1-date"


def test_ratings_and_texts_are_read_strictly() -> None:
    assert [sv.rating_value(v) for v in ("1", "5", "0", "6", "", None, "3 ")] == [1, 5, None, None, None, None, None]
    assert sv.one_line("  Eksamen\r\n flyttet\x00 ", 300) == "Eksamen flyttet"
    assert sv.clean_text("a\nb\x07c", 10) == "a\nbc"
    assert len(sv.one_line("x" * 1000, 300)) == 300


def test_ids_and_tokens_of_the_wrong_shape_never_reach_booking() -> None:
    assert sv.VISIT_ID.fullmatch("3f2b9c1e-0000-4000-8000-000000000000")
    assert not sv.VISIT_ID.fullmatch("../v1/stats")
    assert sv.FEEDBACK_TOKEN.fullmatch("abc." + "A" * 43)
    assert not sv.FEEDBACK_TOKEN.fullmatch("abc." + "A" * 42)


@pytest.mark.parametrize(
    ("reason", "message", "values"),
    [("windows.0.start: must start at least 7 days ahead (not before 2027-01-08T10:00+01:00)",
      "The visit must start at least %(days)s days from today.", {"days": "7"}),
     ("windows.0.start: must be at most 548 days ahead (by 2028-06-04T23:40+02:00)",
      "The visit can be at most %(days)s days from today.", {"days": "548"}),
     ("windows.1.end: Saturday 10:00 (Europe/Oslo) is outside Monday–Friday 08:00–16:00",
      "The time is outside the days and hours visits of this kind take place.", {})],
)  # fmt: skip
def test_bookings_window_refusals_are_said_in_the_schools_language(
    reason: str, message: str, values: dict[str, str]
) -> None:
    assert sv.explained(reason) == (message, values)


def test_a_refusal_the_page_has_no_words_for_is_shown_in_bookings_words_without_its_field() -> None:
    reason = "windows.0.start: something new"
    assert sv.explained(reason) is None
    assert sv.without_field(reason) == "something new"


def test_a_confirmed_visit_whose_time_has_passed_asks_for_a_rating_instead_of_promising_a_team() -> None:
    ahead = visit("confirmed", "2027-03-20T09:00:00+01:00", "2027-03-20T11:00:00+01:00")
    passed = visit("confirmed", "2027-03-10T09:00:00+01:00", "2027-03-10T11:00:00+01:00")
    assert sv.explanation(ahead, NOW) == sv.STATUSES["confirmed"][2]
    assert sv.explanation(passed, NOW) == "The time of the visit has passed. Tell us how it went!"
