"""Listing visits: pagination and the organiser's filters."""

from dataclasses import replace
from datetime import timedelta

from booking_testkit import START, TEAM, Ambassadors, Api, new_orgnr

from booking.adapters.rate_limiter import RateLimiter
from outreach_shared.contracts import Topics
from outreach_shared.contracts.ambassadors import TeamConfirmed
from outreach_shared.contracts.common import TimeWindow


async def test_pages_hold_limit_items_and_the_total_counts_all(api: Api) -> None:
    orgnr = new_orgnr()
    created = [await api.create(orgnr) for _ in range(3)]
    url, headers = "/v1/visit-requests", api.school(orgnr)
    first = (await api.svc.client.get(url, params={"limit": 2}, headers=headers)).json()
    rest = (await api.svc.client.get(url, params={"limit": 2, "offset": 2}, headers=headers)).json()
    assert (first["total"], first["limit"], first["offset"], len(first["items"])) == (3, 2, 0, 2)
    assert (rest["total"], rest["offset"], len(rest["items"])) == (3, 2, 1)
    assert [i["id"] for i in first["items"] + rest["items"]] == created
    default = (await api.svc.client.get(url, headers=headers)).json()
    assert default["limit"] == 50 and default["offset"] == 0


async def test_organisers_filter_by_status_municipality_county_and_date(api: Api, ambassadors: Ambassadors) -> None:
    orgnr = new_orgnr()
    day = START + timedelta(days=197)  # Tuesday to Thursday, dates no other test uses
    bergen = await api.create(orgnr, start=day, school={**_school(orgnr), "kommunenummer": "4601"})
    tromso = await api.create(orgnr, start=day + timedelta(days=1), school={**_school(orgnr), "kommunenummer": "5501"})
    oslo = await api.create(orgnr, start=day + timedelta(days=2))
    slot = TimeWindow(start=day + timedelta(hours=1), end=day + timedelta(hours=2))
    await ambassadors.send(Topics.OFFERS, TeamConfirmed(visit_id=bergen, window=slot, members=TEAM), key=bergen)
    await api.status_becomes(bergen, orgnr, "confirmed")

    async def ids(**params: str) -> list[str]:
        span = {"from": day.date().isoformat(), "to": (day + timedelta(days=2)).date().isoformat()}
        r = await api.svc.client.get("/v1/visit-requests", params={**span, **params}, headers=api.organiser())
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    assert await ids() == [bergen, tromso, oslo]
    assert await ids(status="confirmed") == [bergen]
    assert await ids(kommunenummer="5501") == [tromso]
    assert await ids(county="46") == [bergen]
    assert await ids(to=(day + timedelta(days=1)).date().isoformat()) == [bergen, tromso]
    assert await ids(**{"from": (day + timedelta(days=2)).date().isoformat()}) == [oslo]


def _school(orgnr: str) -> dict[str, str]:
    return {"orgnr": orgnr, "name": "Nordskolen", "kommunenummer": "0301", "address": "Vegen 2"}


async def test_schools_are_rate_limited_with_retry_after(api: Api) -> None:
    wiring = api.svc.runtime.wiring
    unlimited = wiring.ports
    wiring.ports = replace(unlimited, rate_limiter=RateLimiter(2))
    try:
        orgnr = new_orgnr()
        codes = [(await api.svc.client.get("/v1/visit-requests", headers=api.school(orgnr))) for _ in range(3)]
        assert [r.status_code for r in codes] == [200, 200, 429]
        assert 1 <= int(codes[2].headers["Retry-After"]) <= 60
        assert codes[2].headers["content-type"] == "application/problem+json"
        other = await api.svc.client.get("/v1/visit-requests", headers=api.school(new_orgnr()))
        assert other.status_code == 200
    finally:
        wiring.ports = unlimited
