"""The national programme's generator, at a small scale: the same rows for the same seed, the services' copies
agreeing with each other, and no member booked beyond what they allow."""

from collections import Counter, defaultdict
from datetime import date

import pytest

from outreach_dev.devstack.national import COLUMNS, SMALL, orgnr_with_check_digit, plan, school_year_of

TODAY = date(2026, 12, 5)


@pytest.fixture(scope="module")
def rows() -> dict[tuple[str, str], list[tuple]]:
    merged: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for _, part in plan(SMALL, TODAY):
        for table, records in part.items():
            merged[table] += records
    return merged


def column(rows: dict, table: tuple[str, str], name: str) -> list:
    i = COLUMNS[table].index(name)
    return [r[i] for r in rows[table]]


def test_the_same_seed_and_day_make_the_same_rows(rows: dict) -> None:
    again = [r for _, part in plan(SMALL, TODAY) for r in part.get(("booking", "visits"), [])]
    assert again == rows["booking", "visits"]


def test_the_scale_is_what_was_asked(rows: dict) -> None:
    assert len(rows["ambassadors", "members"]) == SMALL.members
    assert len(rows["booking", "visits"]) == SMALL.visits_per_year * SMALL.years
    assert len(rows["training", "gatherings"]) == SMALL.gatherings_per_year * SMALL.years
    years = Counter(school_year_of(d.date()) for d in column(rows, ("booking", "visits"), "visit_date"))
    assert years == {TODAY.year - i: SMALL.visits_per_year for i in range(SMALL.years)}
    assert len(set(column(rows, ("booking", "visits"), "orgnr"))) <= SMALL.schools
    statuses = Counter(column(rows, ("booking", "visits"), "status"))
    assert {"completed", "cancelled", "unfulfilled", "confirmed", "offered"} <= set(statuses), statuses


def test_every_school_has_a_valid_organisation_number(rows: dict) -> None:
    for orgnr in set(column(rows, ("booking", "visits"), "orgnr")):
        assert orgnr_with_check_digit(int(orgnr[:8])) == orgnr


def test_each_service_copies_every_visit_and_member(rows: dict) -> None:
    visits = set(column(rows, ("booking", "visits"), "id"))
    assert set(column(rows, ("ambassadors", "visits"), "id")) == visits
    assert set(column(rows, ("notify", "visits"), "visit_id")) == visits
    members = {str(m) for m in column(rows, ("ambassadors", "members"), "id")}
    for table, name in ((("training", "members"), "member_id"), (("portal", "members"), "member_id"),
                        (("booking", "member_names"), "member_id")):  # fmt: skip
        assert set(column(rows, table, name)) == members
    assert {str(m) for m in column(rows, ("ambassadors", "offers"), "member_id")} <= members


def test_a_visit_held_has_its_team_its_report_and_the_members_seats(rows: dict) -> None:
    booking = {r[0]: dict(zip(COLUMNS["booking", "visits"], r, strict=True)) for r in rows["booking", "visits"]}
    teams = defaultdict(set)
    for visit_id, _, member_id, _, _ in rows["booking", "visit_team_members"]:
        teams[visit_id].add(member_id)
    accepted = defaultdict(set)
    for offer in rows["ambassadors", "offers"]:
        if offer[4] == "accepted":
            accepted[offer[1]].add(str(offer[2]))
    held = defaultdict(set)
    for visit_id, member_id, _, _ in rows["ambassadors", "completed_visits"]:
        held[visit_id].add(str(member_id))
    for visit_id, visit in booking.items():
        if visit["status"] == "completed":
            assert teams[visit_id] and teams[visit_id] == accepted[visit_id] == held[visit_id]
            assert visit["report"]["member_id"] in teams[visit_id] and visit["pupils_reached"]
        if visit["status"] in ("confirmed", "completed"):
            assert len(teams[visit_id]) == visit["team_size"] and visit["scheduled_start"] is not None
        else:
            assert not teams[visit_id] and not accepted[visit_id]


def test_no_member_holds_two_visits_a_day_nor_more_a_month_than_they_allow(rows: dict) -> None:
    allowed = {str(m[0]): m[9] for m in rows["ambassadors", "members"]}
    days, months = Counter(), Counter()
    for offer in rows["ambassadors", "offers"]:
        if offer[4] in ("offered", "accepted"):
            day = offer[5].date()
            days[str(offer[2]), day] += 1
            months[str(offer[2]), day.year, day.month] += 1
    assert max(days.values()) == 1
    assert all(n <= allowed[member] for (member, _, _), n in months.items())


def test_every_offer_has_its_notice_in_the_members_inbox(rows: dict) -> None:
    offered = Counter(str(o[2]) for o in rows["ambassadors", "offers"])
    inbox = Counter(item[2] for item in rows["notify", "inbox_items"])
    assert inbox == offered
    notices = {n[0] for n in rows["notify", "notices"]}
    assert {d[1] for d in rows["notify", "deliveries"]} == notices


def test_members_checked_in_at_a_gathering_held_are_trained(rows: dict) -> None:
    gatherings = {g[0]: g for g in rows["training", "gatherings"]}
    checked = {r[2] for r in rows["training", "registrations"] if r[5] is not None}
    assert checked and all(gatherings[r[1]][12] == "completed" for r in rows["training", "registrations"] if r[5])
    assert {member for member, _ in rows["ambassadors", "trained"]} == checked


def test_a_school_contact_is_kept_only_while_booking_would_keep_it(rows: dict) -> None:
    kept = set(column(rows, ("booking", "visit_contacts"), "visit_id"))
    assert kept
    visits = rows["booking", "visits"]
    for visit_id, status, start in ((v[0], v[14], v[15]) for v in visits):
        ongoing = status in ("requested", "offered", "confirmed") or (TODAY - start.date()).days < 365
        assert (visit_id in kept) == ongoing or (TODAY - start.date()).days == 365
