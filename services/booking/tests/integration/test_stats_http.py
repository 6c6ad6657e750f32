"""Organisers' impact figures add up on a seeded data set."""

from datetime import timedelta
from typing import Any

from booking_testkit import START, Ambassadors, Api, MovableClock, new_orgnr

from outreach_shared.contracts import Topics
from outreach_shared.contracts.ambassadors import NoTeamAvailable, TeamConfirmed
from outreach_shared.contracts.common import TeamMember, TimeWindow

YEAR = "2031/32"  # no other test has visits in this school year
AUTUMN = START.replace(year=2031, month=9, day=15, hour=8)
SPRING = START.replace(year=2032, month=3, day=15, hour=8)


async def seed(api: Api, ambassadors: Ambassadors, clock: MovableClock, orgnr: str, knr: str, when: Any,
               outcome: str, pupils: int = 0) -> str:  # fmt: skip
    school = {"orgnr": orgnr, "name": "Skolen", "kommunenummer": knr, "address": "Gata 1"}
    clock.set(when - timedelta(days=30))  # years ahead of START: asked for a month before, within the horizon
    visit_id = await api.create(orgnr, start=when, school=school)
    if outcome == "requested":
        return visit_id
    if outcome == "unfulfilled":
        await ambassadors.send(Topics.OFFERS, NoTeamAvailable(visit_id=visit_id, reason="none"), key=visit_id)
        await api.status_becomes(visit_id, orgnr, "unfulfilled")
        return visit_id
    slot = TimeWindow(start=when, end=when + timedelta(hours=2))
    team = [TeamMember(member_id=visit_id, first_name="Kari", profession="nurse")]
    await ambassadors.send(Topics.OFFERS, TeamConfirmed(visit_id=visit_id, window=slot, members=team), key=visit_id)
    await api.status_becomes(visit_id, orgnr, "confirmed")
    if outcome == "cancelled":
        r = await api.svc.client.post(f"/v1/visit-requests/{visit_id}/cancel", json={"reason": "x"},
                                      headers=api.school(orgnr))  # fmt: skip
        assert r.status_code == 200
    if outcome == "completed":
        clock.set(when + timedelta(hours=1))
        r = await api.svc.client.post(f"/v1/visit-requests/{visit_id}/report", json={"pupils_reached": pupils},
                                      headers=api.member(visit_id))  # fmt: skip
        assert r.status_code == 200, r.text
    return visit_id


async def test_figures_by_municipality_county_and_school_year_add_up(
    api: Api, ambassadors: Ambassadors, clock: MovableClock
) -> None:
    orgnr = new_orgnr()
    plan = [
        ("0301", AUTUMN, "completed", 40),
        ("0301", SPRING, "completed", 25),
        ("0301", AUTUMN, "cancelled", 0),
        ("4601", AUTUMN, "unfulfilled", 0),
        ("4602", SPRING, "confirmed", 0),
        ("4602", SPRING, "requested", 0),
        ("4601", SPRING.replace(year=2032, month=8, day=2), "completed", 99),  # next school year
    ]
    for knr, when, outcome, pupils in plan:
        await seed(api, ambassadors, clock, orgnr, knr, when, outcome, pupils)

    r = await api.svc.client.get("/v1/stats", params={"school_year": YEAR}, headers=api.organiser())
    assert r.status_code == 200, r.text
    stats = r.json()
    assert stats["total"] == {"requested": 6, "confirmed": 4, "unfulfilled": 1, "cancelled": 1, "completed": 2,
                              "pupils_reached": 65, "ratings": 0, "rating_average": None, "schools_reached": 1,
                              "schools_booked": 1, "coverage": 1.0,
                              "survey": None}  # fmt: skip  (no pupil answered a survey)
    by_knr = {m["kommunenummer"]: m for m in stats["by_municipality"]}
    assert (by_knr["0301"]["name"], by_knr["0301"]["requested"], by_knr["0301"]["pupils_reached"]) == ("Oslo", 3, 65)
    assert by_knr["4601"]["unfulfilled"] == 1 and by_knr["4602"]["confirmed"] == 1
    assert {c["county_number"]: c["requested"] for c in stats["by_county"]} == {"03": 3, "46": 3}
    assert [(y["school_year"], y["requested"]) for y in stats["by_school_year"]] == [(YEAR, 6)]
    assert [(p["professions"], p["requested"]) for p in stats["by_profession"]] == [("health_worker+nurse", 6)]
    assert [(k["kind"], k["requested"]) for k in stats["by_kind"]] == [("school_visit", 6)]
    additive = ("requested", "confirmed", "unfulfilled", "cancelled", "completed", "pupils_reached", "ratings")
    assert [(m["month"], m["requested"], m["pupils_reached"]) for m in stats["by_month"]] == [
        ("2031-09", 3, 40), ("2032-03", 3, 25),
    ]  # fmt: skip
    for group in ("by_municipality", "by_county", "by_school_year", "by_profession", "by_kind", "by_month"):
        for figure in additive:
            total = stats["total"][figure]
            assert sum(g[figure] for g in stats[group]) == total, (group, figure)

    totals = await api.svc.client.get(
        "/v1/stats", params={"school_year": YEAR, "totals_only": "true"}, headers=api.organiser()
    )
    assert totals.status_code == 200 and totals.json()["total"] == stats["total"]
    groups = ("by_municipality", "by_county", "by_school_year", "by_profession", "by_kind", "by_month")
    assert all(totals.json()[group] == [] for group in groups)  # the totals only, the groupings not added up
    vestland = await api.svc.client.get(
        "/v1/stats", params={"school_year": YEAR, "county": "46"}, headers=api.organiser()
    )
    assert vestland.json()["total"]["requested"] == 3
    both_years = await api.svc.client.get(
        "/v1/stats", params={"from": "2031-08-01", "to": "2033-07-31"}, headers=api.organiser()
    )
    years = {y["school_year"]: y for y in both_years.json()["by_school_year"]}
    assert years["2032/33"]["pupils_reached"] == 99 and years[YEAR]["requested"] == 6
