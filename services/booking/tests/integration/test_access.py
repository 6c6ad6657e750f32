"""BOLA: a school never sees or changes another school's visits (404, so ids cannot be probed)."""

from datetime import timedelta

import pytest
from booking_testkit import START, Api, MovableClock, new_orgnr, request_body


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "", None),
        ("POST", "/cancel", {"reason": "x"}),
        ("POST", "/reschedule", {"windows": [{"start": (START + timedelta(days=20)).isoformat(),
                                              "end": (START + timedelta(days=20, hours=2)).isoformat()}]}),
        ("POST", "/rating", {"rating": 1}),
        ("GET", "/calendar.ics", None),
    ],
)  # fmt: skip
async def test_school_b_gets_404_for_school_a_visit(
    api: Api, clock: MovableClock, method: str, path: str, body: dict[str, object] | None
) -> None:
    school_a, school_b = new_orgnr(), new_orgnr()
    visit_id = await api.create(school_a)
    clock.set(START + timedelta(days=60))  # so a rating would otherwise be judged on its merits
    r = await api.svc.client.request(
        method, f"/v1/visit-requests/{visit_id}{path}", json=body, headers=api.school(school_b)
    )
    assert r.status_code == 404, r.text
    assert r.headers["content-type"] == "application/problem+json"
    unknown = await api.svc.client.request(
        method, f"/v1/visit-requests/no-such-visit{path}", json=body, headers=api.school(school_b)
    )
    assert unknown.status_code == 404 and unknown.json()["detail"].startswith("no visit request")
    assert (await api.get(visit_id, school_a))["status"] == "requested"


async def test_a_school_lists_only_its_own_visits_and_an_organiser_sees_all(api: Api) -> None:
    school_a, school_b = new_orgnr(), new_orgnr()
    day = START + timedelta(days=301)  # a Monday no other test uses
    mine = [await api.create(school_a, start=day), await api.create(school_a, start=day)]
    theirs = await api.create(school_b, start=day)
    span = {"from": day.date().isoformat(), "to": day.date().isoformat()}
    for orgnr, expected in ((school_a, mine), (school_b, [theirs])):
        r = await api.svc.client.get("/v1/visit-requests", params=span, headers=api.school(orgnr))
        assert r.status_code == 200
        assert [i["id"] for i in r.json()["items"]] == expected and r.json()["total"] == len(expected)
    everything = await api.svc.client.get("/v1/visit-requests", params=span, headers=api.organiser())
    assert [i["id"] for i in everything.json()["items"]] == [*mine, theirs]


async def test_only_schools_create_and_only_for_their_own_orgnr(api: Api) -> None:
    school_a, school_b = new_orgnr(), new_orgnr()
    headers = {**api.organiser(), "Idempotency-Key": "k1"}
    r = await api.svc.client.post("/v1/visit-requests", json=request_body(school_a), headers=headers)
    assert r.status_code == 403
    headers = {**api.school(school_b), "Idempotency-Key": "k1"}
    r = await api.svc.client.post("/v1/visit-requests", json=request_body(school_a), headers=headers)
    assert r.status_code == 422 and r.json()["errors"] == [
        {"field": "school.orgnr", "reason": "school.orgnr: must be the organisation number of your token"}
    ]


async def test_requests_without_a_valid_token_are_401(api: Api) -> None:
    r = await api.svc.client.get("/v1/visit-requests")
    assert r.status_code == 401
    r = await api.svc.client.get("/v1/visit-requests", headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401


async def test_stats_are_for_organisers_only(api: Api) -> None:
    r = await api.svc.client.get("/v1/stats", headers=api.school(new_orgnr()))
    assert r.status_code == 403
