"""A school's own visits: listed and filtered (status repeatable, dates), each with its team's first names and
professions once confirmed and not before; never another school's (absent from lists, 404 when asked directly)."""

from datetime import datetime, timedelta

import pytest
from booking_testkit import START, TEAM, Ambassadors, Api, new_orgnr

from outreach_shared.contracts import Topics
from outreach_shared.contracts.ambassadors import TeamConfirmed
from outreach_shared.contracts.common import TimeWindow

DAY = START + timedelta(days=247)  # a Wednesday no other test uses
TEAM_OUT = [{"first_name": "Kari", "profession": "nurse"}, {"first_name": "Ola", "profession": "health_worker"}]


async def confirm(api: Api, ambassadors: Ambassadors, visit_id: str, orgnr: str, day: datetime = DAY) -> None:
    slot = TimeWindow(start=day + timedelta(hours=-3), end=day + timedelta(hours=-1))
    await ambassadors.send(Topics.OFFERS, TeamConfirmed(visit_id=visit_id, window=slot, members=TEAM), key=visit_id)
    await api.status_becomes(visit_id, orgnr, "confirmed")


async def listed(api: Api, headers: dict[str, str], **params: object) -> dict[str, dict[str, object]]:
    r = await api.svc.client.get("/v1/visit-requests", params=params, headers=headers)  # type: ignore[arg-type]
    assert r.status_code == 200, r.text
    return {item["id"]: item for item in r.json()["items"]}


async def test_a_school_lists_its_own_visits_by_status_and_date_with_the_team_once_confirmed(
    api: Api, ambassadors: Ambassadors
) -> None:
    mine, theirs = new_orgnr(), new_orgnr()
    confirmed = await api.create(mine, start=DAY)
    waiting = await api.create(mine, start=DAY)
    later = await api.create(mine, start=DAY + timedelta(days=7))
    cancelled = await api.create(mine, start=DAY)
    other = await api.create(theirs, start=DAY)
    for visit_id in (confirmed, cancelled):
        await confirm(api, ambassadors, visit_id, mine)
    r = await api.svc.client.post(f"/v1/visit-requests/{cancelled}/cancel", json={"reason": "Eksamen"},
                                  headers=api.school(mine))  # fmt: skip
    assert r.status_code == 200, r.text

    everything = await listed(api, api.school(mine))
    assert set(everything) == {confirmed, waiting, later, cancelled} and other not in everything
    assert everything[confirmed]["team"] == TEAM_OUT
    assert everything[waiting]["team"] == [] and everything[cancelled]["team"] == []

    day = DAY.date().isoformat()
    assert set(await listed(api, api.school(mine), **{"from": day, "to": day})) == {confirmed, waiting, cancelled}
    by_status = await listed(api, api.school(mine), status=["confirmed", "requested"], to=day)
    assert set(by_status) == {confirmed, waiting}
    assert set(await listed(api, api.school(mine), status="cancelled")) == {cancelled}
    assert set(await listed(api, api.school(theirs))) == {other}


async def test_another_school_finds_none_of_a_school_s_visits(api: Api, ambassadors: Ambassadors) -> None:
    mine, theirs = new_orgnr(), new_orgnr()
    visit_id = await api.create(mine, start=DAY + timedelta(days=1))
    await confirm(api, ambassadors, visit_id, mine, DAY + timedelta(days=1))
    r = await api.svc.client.get(f"/v1/visit-requests/{visit_id}", headers=api.school(theirs))
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    for params in ({}, {"status": "confirmed"}, {"from": (DAY + timedelta(days=1)).date().isoformat()}):
        assert visit_id not in await listed(api, api.school(theirs), **params)
    assert visit_id in await listed(api, api.organiser(), status="confirmed",
                                    **{"from": (DAY + timedelta(days=1)).date().isoformat()})  # fmt: skip


@pytest.mark.parametrize(("role", "status"), [("member", 403), (None, 401)])
async def test_members_and_strangers_cannot_list_visits(api: Api, role: str | None, status: int) -> None:
    headers = api.member("11111111-1111-4111-8111-111111111111") if role == "member" else {}
    r = await api.svc.client.get("/v1/visit-requests", headers=headers)
    assert r.status_code == status and r.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("params", [{"status": "lost"}, {"status": ["confirmed", "x\u0000"]}, {"from": "9999-01-01"},
                                    {"to": "2027-02-30"}, {"status": ["requested"] * 7}])  # fmt: skip
async def test_bad_filters_of_a_school_s_list_are_422(api: Api, params: dict[str, object]) -> None:
    r = await api.svc.client.get("/v1/visit-requests", params=params, headers=api.school(new_orgnr()))  # type: ignore[arg-type]
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", r.text
