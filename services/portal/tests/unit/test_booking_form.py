"""The school's booking form, pure: the orgnr's check digit, the hints the date and time inputs show, the form read
into booking's visit request, what is missing before booking is asked, and where booking's refusals go."""

from datetime import UTC, date, datetime, time

from portal.domain import booking_form as rules
from portal.domain.booking_form import BookingForm, WindowRow

KNOWN = {"5501", "0301"}


def filled(**changes: object) -> BookingForm:
    form = BookingForm(school_name="Nordlys skole", kommunenummer="5501", address="Skolevegen 2",
                       contact_name="Rita Rådgiver", contact_email="rita@skole.no", contact_phone="912 34 567",
                       kind="school_visit", audience="10. trinn", pupils="60", professions=["nurse"], language="nn",
                       team_size="2", windows=[WindowRow("2027-03-04", "09:00", "11:00")])  # fmt: skip
    for name, value in changes.items():
        setattr(form, name, value)
    return form


def test_hints_start_after_the_lead_time_and_keep_school_hours() -> None:
    now = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)  # 08:00 in Oslo: a window on 8 March at 08:00 is 7 days ahead
    hints = rules.window_hints(now, "school_visit")
    assert hints.first_day == date(2027, 3, 8) and hints.school_days_only
    assert (hints.opens, hints.closes) == (time(8), time(16))
    late = rules.window_hints(datetime(2027, 3, 1, 12, 0, tzinfo=UTC), "school_visit")
    assert late.first_day == date(2027, 3, 9)  # after opening time: the next day is the first whole one
    fair = rules.window_hints(now, "education_fair")
    assert fair.closes == time(22) and not fair.school_days_only
    assert hints.last_day < date(2028, 9, 1)


def test_a_filled_form_becomes_bookings_request_with_oslo_offsets() -> None:
    form = filled(windows=[WindowRow("2027-03-04", "09:00", "11:00"), WindowRow("2027-07-01", "12:00", "13:30")])
    assert rules.problems(form, KNOWN) == {}
    body = rules.visit_request(form, "974760673")
    assert body["school"] == {"orgnr": "974760673", "name": "Nordlys skole", "kommunenummer": "5501",
                              "address": "Skolevegen 2"}  # fmt: skip
    assert body["windows"] == [{"start": "2027-03-04T09:00:00+01:00", "end": "2027-03-04T11:00:00+01:00"},
                               {"start": "2027-07-01T12:00:00+02:00", "end": "2027-07-01T13:30:00+02:00"}]  # fmt: skip
    assert body["audience"] == {"description": "10. trinn", "pupils": 60} and body["team_size"] == 2
    assert "notes" not in body
    assert rules.visit_request(form, "974760673") == body  # the same form, the same request (one idempotency key)


def test_what_is_missing_or_malformed_is_named_by_bookings_field() -> None:
    form = filled(school_name="", kommunenummer="9999", contact_email="rita", pupils="0", professions=[],
                  team_size="5", windows=[WindowRow("9999-01-01", "09:00", "10:00"), WindowRow("2027-03-04", "9",
                  "10:00"), WindowRow("2027-03-04", "09:00", "")])  # fmt: skip
    assert rules.problems(form, KNOWN) == {
        "school.name": "required", "school.kommunenummer": "choose", "contact.email": "email",
        "audience.pupils": "pupils", "professions": "choose", "team_size": "team", "windows.0.day": "day",
        "windows.1.start": "time", "windows.2.end": "time",
    }  # fmt: skip
    assert rules.problems(filled(school_name="a\x00b"), KNOWN) == {"school.name": "too_long"}
    assert rules.problems(filled(pupils="1" * 400), KNOWN) == {"audience.pupils": "pupils"}


def test_the_form_is_read_as_typed_with_at_most_five_rows() -> None:
    posted = {"school-name": " Nordlys ", "kind": "career_day", **{f"windows-{i}-day": "2027-03-04" for i in range(7)}}
    form = rules.read_form(posted, ["health_worker", "nurse", "doctor"])
    assert form.school_name == "Nordlys" and form.kind == "career_day"
    assert form.professions == ["nurse", "health_worker"]  # in the page's order, only known ones
    assert len(form.windows) == rules.MAX_WINDOWS
    assert rules.read_form({}, []).windows == [WindowRow()]


def test_bookings_refusals_land_on_the_window_field_they_name() -> None:
    assert rules.refused_field("windows.1.end", 2) == "windows.1.end"
    assert rules.refused_field("body.windows.0.start", 1) == "windows.0.start"
    assert rules.refused_field("windows.0", 1) == "windows.0.start"
    assert rules.refused_field("windows.7.start", 2) == "form"  # no such row on the page
    assert rules.refused_field("windows", 2) == "form"
    assert rules.refused_field("school.orgnr", 1) == "form"
    assert rules.refused_field("professions.1", 1) == "professions"
    assert rules.refused_field("contact.phone", 1) == "contact.phone"
    assert rules.window_reason("windows.0.end: the end must be after the start") == "end_before_start"
    assert (
        rules.window_reason("windows.0.start: must start at least 7 days ahead (not before 2027-03-08T08:00+01:00)")
        == "notice"
    )
    assert (
        rules.window_reason("windows.0.start: Saturday 09:00 (Europe/Oslo) is outside Monday–Friday 08:00–16:00")
        == "hours"
    )
    assert rules.window_reason("windows.0.end: must last from 30 minutes to 12 hours, not 13 hours") == "length"
    assert rules.window_reason("something new") == "window"


def test_long_notes_are_refused_not_cut() -> None:
    assert rules.problems(filled(notes="ø" * 2001), KNOWN) == {"notes": "notes_long"}
    assert rules.read_form({"notes": "ø" * 50_000}, []).notes == "ø" * rules.READ_LIMIT
