"""What the members' pages make of the services' answers (pure): time left, distance, the team less the member,
which visits can be withdrawn from or reported, and what the forms accept."""

from datetime import UTC, datetime, timedelta

import pytest

from portal.domain import member_forms, member_views
from portal.domain.member_views import Teammate, TimeLeft

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def test_time_left_counts_down_to_the_minute_and_stops_at_the_deadline() -> None:
    assert member_views.time_left(NOW, NOW + timedelta(days=1, hours=2, minutes=3, seconds=59)) == TimeLeft(1, 2, 3)
    assert member_views.time_left(NOW, NOW + timedelta(seconds=59)) == TimeLeft(0, 0, 0)
    assert member_views.time_left(NOW, NOW) is None
    assert member_views.time_left(NOW, NOW - timedelta(hours=1)) is None


def test_distance_is_between_municipalities_and_zero_in_ones_own() -> None:
    assert member_views.place("Byskolen", "Gata 1", "0301", "0301").distance_km == 0
    bergen = member_views.place("Byskolen", "Gata 1", "4601", "0301")
    assert bergen.kommune == "Bergen" and 290 < (bergen.distance_km or 0) < 330
    assert member_views.place("Byskolen", "Gata 1", "0301", None).distance_km is None
    unknown = member_views.place("Byskolen", "Gata 1", "9999", "0301")
    assert unknown.kommune == "9999" and unknown.distance_km is None


def _visit(seat: str, *, starts_in: timedelta, expected: tuple[str, ...] = (), visit_id: str = "v") -> dict:
    start = NOW + starts_in
    return {"visit_id": visit_id, "status": "confirmed", "kind": "school_visit", "pupils": 30,
            "window": {"start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()},
            "school": {"name": "S", "address": "A", "kommunenummer": "0301"}, "audience_description": "10. trinn",
            "seat": {"offer_id": "o", "status": seat}, "expected": [{"action": a} for a in expected],
            "team": [{"first_name": "Kari", "profession": "nurse"}, {"first_name": "Kari", "profession": "nurse"},
                     {"first_name": "Ola", "profession": "health_worker"}]}  # fmt: skip


def test_the_team_shown_is_everyone_else_on_it() -> None:
    me = member_views.myself({"name": "Kari Nordmann", "profession": "nurse"})
    accepted, offered = _visit("accepted", starts_in=timedelta(days=1)), _visit("offered", starts_in=timedelta(days=1),
                                                                               visit_id="w")  # fmt: skip
    teams = member_views.teams({"upcoming": [accepted, offered], "past": []}, me=me)
    assert teams["v"] == (Teammate("Kari", "nurse"), Teammate("Ola", "health_worker"))  # a namesake stays
    assert len(teams["w"]) == 3  # only offered: all of them are others


def test_an_accepted_visit_can_be_withdrawn_from_until_it_starts_and_reported_when_ambassadors_expects_it() -> None:
    ahead = member_views.visit_view(_visit("accepted", starts_in=timedelta(hours=1)), now=NOW, home=None, team=())
    started = member_views.visit_view(_visit("accepted", starts_in=-timedelta(minutes=1), expected=("report",)),
                                      now=NOW, home=None, team=())  # fmt: skip
    assert (ahead.can_withdraw, ahead.can_report) == (True, False)
    assert (started.can_withdraw, started.can_report) == (False, True)


def test_my_visits_are_the_accepted_ones_soonest_first_and_the_latest_past_first() -> None:
    visits = {"upcoming": [_visit("accepted", starts_in=timedelta(days=3), visit_id="later"),
                           _visit("offered", starts_in=timedelta(days=1), visit_id="offered"),
                           _visit("accepted", starts_in=timedelta(days=2), visit_id="sooner")],
              "past": [_visit("accepted", starts_in=-timedelta(days=9), visit_id="old"),
                       _visit("accepted", starts_in=-timedelta(days=2), visit_id="recent")]}  # fmt: skip
    upcoming, past = member_views.my_visits(visits, now=NOW, home=None, me=None)
    assert [v.visit_id for v in upcoming] == ["sooner", "later"]
    assert [v.visit_id for v in past] == ["recent", "old"]


@pytest.mark.parametrize(("raw", "required", "checked"), [
    ("  Vakt\r\nden dagen ", False, member_forms.Checked("Vakt\nden dagen")),
    ("   ", False, member_forms.Checked(None)),
    ("   ", True, member_forms.Checked(None, "missing")),
    ("nul\x00", False, member_forms.Checked(None, "control")),
    ("x" * 501, False, member_forms.Checked(None, "too_long")),
    (None, True, member_forms.Checked(None, "missing")),
])  # fmt: skip
def test_a_reason_is_trimmed_and_kept_within_ambassadors_bounds(raw, required, checked) -> None:
    assert member_forms.text(raw, required=required, limit=500) == checked


@pytest.mark.parametrize(("raw", "checked"), [
    ("55", member_forms.Checked(55)), ("1 200", member_forms.Checked(1200)), ("0", member_forms.Checked(0)),
    ("", member_forms.Checked(None, "missing")), ("-3", member_forms.Checked(None, "not_a_number")),
    ("١٢", member_forms.Checked(None, "not_a_number")), ("9" * 400, member_forms.Checked(None, "not_a_number")),
    ("10001", member_forms.Checked(None, "too_many")),
])  # fmt: skip
def test_pupils_reached_is_a_whole_number_within_bookings_bounds(raw, checked) -> None:
    assert member_forms.pupils(raw) == checked


def test_the_home_page_shows_the_newest_messages_and_counts_all_unread() -> None:
    items = [{"id": f"i{n}", "title": "T", "body": "B", "created_at": NOW.isoformat(), "read_at": None if n < 3 else
              NOW.isoformat()} for n in range(12)]  # fmt: skip
    shown, unread, total = member_views.inbox({"items": items, "unread": 3})
    assert [i.id for i in shown] == [f"i{n}" for n in range(10)] and (unread, total) == (3, 12)
    assert [i.unread for i in shown[:4]] == [True, True, True, False]
