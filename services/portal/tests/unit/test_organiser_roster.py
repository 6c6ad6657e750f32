"""The roster pages' pure view code: filters as typed become the ambassadors API's parameters (values no list would
take are dropped), keyset pages, the import preview line by line, and a member's days away still ahead."""

from datetime import date
from urllib.parse import parse_qs

from portal.domain import organiser_roster as roster


def test_filters_become_the_apis_parameters_and_the_pages_own_query() -> None:
    f = roster.RosterFilter.of({"q": "  Kari   Nord ", "county": "46", "profession": "nurse", "language": "en",
                                "trained": "yes", "active": "no"})  # fmt: skip
    assert f.api_params(this_year=2027) == {"q": "Kari Nord", "fylke": "46", "profession": "nurse", "language": "en",
                                            "trained_year": "2027", "active": "false"}  # fmt: skip
    assert parse_qs(f.query(after="abc")) == {"q": ["Kari Nord"], "county": ["46"], "profession": ["nurse"],
                                              "language": ["en"], "trained": ["yes"], "active": ["no"],
                                              "after": ["abc"]}  # fmt: skip
    odd = roster.RosterFilter.of({"profession": "pilot", "language": "de", "trained": "1", "active": "maybe",
                                  "q": "x" * 500})  # fmt: skip
    assert odd.api_params(this_year=2027) == {"q": "x" * roster.MAX_SEARCH}
    assert roster.RosterFilter.of({}).query() == ""


def test_a_page_shows_fifty_and_knows_the_next_from_the_one_more_asked_for() -> None:
    members = [{"id": f"m{i}"} for i in range(roster.PAGE_SIZE + 1)]
    shown, after = roster.page_of(members)
    assert len(shown) == roster.PAGE_SIZE and after == f"m{roster.PAGE_SIZE - 1}"
    assert roster.page_of(members[:3]) == (members[:3], None)
    assert roster.page_of([]) == ([], None)


def test_a_dry_run_is_shown_line_by_line_and_a_refused_line_stops_the_import() -> None:
    dry_run = {"rows": [
        {"line": 3, "action": "created", "name": "Nils", "email": "n@example.no", "changed": []},
        {"line": 2, "action": "updated", "name": "Kari", "email": "k@example.no",
         "changed": ["max_visits_per_month", "phone"]},
    ]}  # fmt: skip
    preview = roster.preview_of(dry_run, {"phone": "mobile"})
    assert [(r.line, r.action, r.detail) for r in preview.rows] == [
        (2, "updated", "max_visits_per_month, mobile"), (3, "created", ""),
    ]  # fmt: skip
    assert preview.importable and preview.refused == 0 and preview.count("created") == 1
    refused = roster.refusal_of([{"line": 4, "reason": "unknown kommunenummer 9999"}, {"line": 2, "reason": "bad"}])
    assert [r.line for r in refused.rows] == [2, 4] and refused.refused == 2 and not refused.importable
    unchanged = roster.preview_of({"rows": [{"line": 2, "action": "unchanged", "name": "K", "email": "k@x.no"}]}, {})
    assert not unchanged.importable and not unchanged.refused


def test_only_days_away_still_ahead_are_shown_soonest_first() -> None:
    member = {"unavailable": [{"from": "2027-07-01", "to": "2027-07-21", "note": "Ferie"},
                              {"from": "2027-01-01", "to": "2027-01-05", "note": None},
                              {"from": "2027-02-27", "to": "2027-03-04"}],
              "unavailable_dates": ["2027-05-17", "2027-02-01"]}  # fmt: skip
    today = date(2027, 3, 3)
    assert [(a["from"], a["note"]) for a in roster.away_ranges(member, today)] == [
        (date(2027, 2, 27), ""), (date(2027, 7, 1), "Ferie"),
    ]  # fmt: skip
    assert roster.days_off(member, today) == [date(2027, 5, 17)]
