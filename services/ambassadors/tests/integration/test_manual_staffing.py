"""Organisers staffing by hand on the real Kafka and Postgres: candidates and why, overrides, rematch, attention."""

import uuid
from datetime import date, timedelta
from typing import Any

from ambassadors_harness import Harness

from outreach_dev.testing.waiting import eventually
from outreach_shared.regions import Region

TRONDELAG = Region.of(fylker=["50"])
NORDLAND = Region.of(fylker=["18"])


def new_id() -> str:
    return str(uuid.uuid4())


async def get(h: Harness, url: str, region: Region | None = None, **params: Any) -> tuple[int, Any]:
    headers = h.svc.auth("organiser", region=region) if region else h.svc.auth("organiser")
    r = await h.svc.client.get(url, params=params, headers=headers)
    return r.status_code, r.json()


async def post(h: Harness, url: str, body: Any = None, region: Region | None = None) -> tuple[int, Any]:
    headers = h.svc.auth("organiser", region=region) if region else h.svc.auth("organiser")
    r = await h.svc.client.post(url, json=body, headers=headers)
    return r.status_code, r.json()


async def unfulfilled(h: Harness, visit_id: str) -> str:
    async def told() -> str:
        return str(await h.pool.fetchval("SELECT unfulfilled_reason FROM visits WHERE id = $1", visit_id) or "")

    return str(await eventually(told, timeout=30))


async def test_candidates_are_ranked_as_matching_ranks_them_and_the_others_say_why_not(empty_roster: Harness) -> None:
    h = empty_roster
    home = await h.add_member("Home")
    wide = await h.add_member("Wide", travel_radius_km=150)
    near = await h.add_member("Near", kommunenummer="5031")  # Malvik, 17 km
    english = await h.add_member("English", languages=["en"])
    far = await h.add_member("Far", kommunenummer="5006")  # Steinkjer, 96 km, radius 50
    away = await h.add_member("Away", kommunenummer="1804", travel_radius_km=2000)  # Bodø: outside Trøndelag
    today = date.today()
    holiday = await h.add_member(
        "Holiday",
        unavailable=[
            {
                "from": today.isoformat(),  # away from today on, a range
                "to": (today + timedelta(days=300)).isoformat(),
            }
        ],
    )
    visit = await h.request_visit(visit_id=new_id())
    (offered,) = await h.offered_to(visit.visit_id, 1)
    assert offered in {home, wide}  # the same municipality first

    status, body = await get(h, f"/v1/visits/{visit.visit_id}/candidates", TRONDELAG)

    assert status == 200, body
    assert body["open_seats"] == 0 and body["status"] == "open" and len(body["windows"]) == 1
    ranked = [(c["member_id"], c["rank"]) for c in body["candidates"]]
    other_home = wide if offered == home else home
    assert ranked == [(other_home, 1), (near, 2)]
    first = body["candidates"][0]
    assert first["same_municipality"] and first["distance_km"] == 0 and first["profession_match"]
    assert first["speaks_language"] == "nb" and first["visits_that_month"] == 0 and not first["chosen_by_matching"]
    assert body["candidates"][1]["distance_km"] > 10 and body["candidates"][1]["kommune"] == "Malvik"
    reasons = {e["member_id"]: e["code"] for e in body["excluded"]}
    assert reasons == {offered: "on_team", english: "language", far: "too_far", holiday: "unavailable_date"}
    assert all(e["reason"] for e in body["excluded"])
    assert away not in {c["member_id"] for c in body["candidates"]} | set(reasons)  # outside the caller's region

    status, body = await get(h, f"/v1/visits/{visit.visit_id}/candidates", travel_radius_km=100)
    found = {c["member_id"] for c in body["candidates"]}
    assert status == 200 and far in found  # a wider search reaches her
    assert away in found  # a national organiser sees Bodø too (she travels up to 2000 km)

    assert (await get(h, f"/v1/visits/{visit.visit_id}/candidates", NORDLAND))[0] == 404
    assert (await get(h, f"/v1/visits/{new_id()}/candidates"))[0] == 404


async def test_rematch_with_a_wider_radius_staffs_an_unfulfilled_visit_and_overrides_fill_the_rest(
    empty_roster: Harness,
) -> None:
    h = empty_roster
    visit = await h.request_visit(visit_id=new_id(), team_size=2)
    await unfulfilled(h, visit.visit_id)
    heim = await h.add_member("Heim", kommunenummer="5055")  # 78 km, radius 50
    english = await h.add_member("English", languages=["en"])
    resting = await h.add_member("Resting")
    assert (await post(h, f"/v1/members/{resting}/deactivate"))[0] == 200

    status, narrow = await post(h, f"/v1/visits/{visit.visit_id}/rematch")
    assert status == 200 and narrow["offers"] == [] and narrow["unfulfilled"], narrow
    status, wide = await post(h, f"/v1/visits/{visit.visit_id}/rematch", {"travel_radius_km": 100}, TRONDELAG)
    assert status == 200, wide
    assert [o["member_id"] for o in wide["offers"]] == [heim] and wide["unfulfilled"] is None
    assert wide["round"] > narrow["round"]  # an unfulfilled visit is searched in a new round
    assert await h.offered_to(visit.visit_id, 1) == [heim]

    url = f"/v1/visits/{visit.visit_id}/offers"
    for member_id, detail in ((resting, "inactive"), (new_id(), "no member"), (heim, "already holds a seat")):
        status, body = await post(h, url, {"member_id": member_id})
        assert status == 409 and detail in body["detail"], body
    assert (await post(h, url, {"member_id": english}, NORDLAND))[0] == 404

    status, made = await post(h, url, {"member_id": english, "note": "speaks to the class in English"}, TRONDELAG)
    assert status == 201, made
    assert made["override"] is True and made["member_id"] == english and made["status"] == "offered"
    assert made["reason"] == "Offered by an organiser: speaks to the class in English"
    events = await h.offer_events(visit.visit_id, "offer.made", count=2)
    by_member = {e.payload["member_id"]: e.payload for e in events}
    assert by_member[english]["override"] is True and by_member[heim]["override"] is False
    assert by_member[english]["by"].startswith("organiser:") and by_member[heim]["by"] is None  # who, for the audit
    assert (await post(h, url, {"member_id": resting}))[1]["detail"] != "the visit has no open seat"
    third = await h.add_member("Third")
    status, body = await post(h, url, {"member_id": third})
    assert status == 409 and "no open seat" in body["detail"]
    status, body = await post(h, f"/v1/visits/{visit.visit_id}/rematch", {})
    assert status == 409 and "no open seat" in body["detail"]

    # Every offer and each answer, with the member's reason.
    r = await h.svc.client.post(f"/v1/offers/{made['id']}/decline", json={"reason": "on leave that week"},
                                headers=h.svc.auth("member", english))  # fmt: skip
    assert r.status_code == 200, r.text

    status, seen = await get(h, url, TRONDELAG)
    assert status == 200, seen
    assert seen["visit_id"] == visit.visit_id and seen["round"] == wide["round"]
    rows = [(o["member_id"], o["name"], o["status"], o["override"], o["round"], o["answer_reason"])
            for o in seen["offers"]]  # fmt: skip
    assert rows[:2] == [(heim, "Heim", "offered", False, wide["round"], None),
                        (english, "English", "declined", True, wide["round"], "on leave that week")]  # fmt: skip
    assert (await get(h, url, NORDLAND))[0] == 404
    assert (await get(h, f"/v1/visits/{new_id()}/offers"))[0] == 404


async def test_the_attention_list_shows_what_needs_a_person_in_the_callers_region(empty_roster: Harness) -> None:
    h = empty_roster
    nobody = await h.request_visit(visit_id=new_id(), professions=["health_worker"])
    await unfulfilled(h, nobody.visit_id)
    first, second = await h.add_member("First"), await h.add_member("Second")
    staffed = await h.request_visit(visit_id=new_id(), team_size=2)
    await h.offered_to(staffed.visit_id, 2)
    offer_ids = [r["id"] for r in await h.offers(staffed.visit_id)]
    await h.pool.execute("UPDATE offers SET expires_at = now() + interval '2 hours' WHERE id = $1::uuid", offer_ids[0])

    async def listed(region: Region | None = None) -> dict[str, str]:
        status, items = await get(h, "/v1/visits/attention", region)
        assert status == 200, items
        ours = {nobody.visit_id, staffed.visit_id}
        return {i["id"]: i["kind"] for i in items if i["visit_id"] in ours}

    items = await listed(TRONDELAG)
    assert items == {nobody.visit_id: "unfulfilled", offer_ids[0]: "offer_expiring"}
    assert await listed(NORDLAND) == {}
    status, all_items = await get(h, "/v1/visits/attention")
    item = next(i for i in all_items if i["id"] == nobody.visit_id)
    assert item["kommunenummer"] == "5001" and item["kommune"] == "Trondheim" and item["resource"] == "visit"
    assert "no team found" in item["why"] and item["when"]

    # The team confirms; the visit moves to tomorrow; a member leaves and a replacement is being sought.
    for member_id in (first, second):
        offer_id = next(r["id"] for r in await h.offers(staffed.visit_id) if r["member_id"] == member_id)
        r = await h.svc.client.post(f"/v1/offers/{offer_id}/accept", headers=h.svc.auth("member", member_id))
        assert r.status_code == 200, r.text
    await h.pool.execute(
        "UPDATE visits SET window_start = now() + interval '1 day', window_end = now() + interval '26 hours'"
        " WHERE id = $1", staffed.visit_id,
    )  # fmt: skip
    await h.add_member("Spare")
    assert (await post(h, f"/v1/members/{first}/deactivate"))[0] == 200
    assert (await listed(TRONDELAG))[staffed.visit_id] == "team_short"

    # Done a week ago and never reported.
    await h.pool.execute(
        "UPDATE visits SET status = 'confirmed', window_start = now() - interval '7 days',"
        " window_end = now() - interval '7 days' + interval '2 hours' WHERE id = $1", staffed.visit_id,
    )  # fmt: skip
    assert (await listed(TRONDELAG))[staffed.visit_id] == "report_missing"


async def test_organiser_staffing_refuses_other_roles_and_hostile_input(harness: Harness) -> None:
    h = harness
    visit_id = new_id()
    member = h.svc.auth("member", new_id())
    school = h.svc.auth("school", "974760673")
    calls = [("GET", "/v1/visits/attention"), ("GET", f"/v1/visits/{visit_id}/candidates"),
             ("POST", f"/v1/visits/{visit_id}/offers"), ("POST", f"/v1/visits/{visit_id}/rematch"),
             ("GET", f"/v1/visits/{visit_id}/offers")]  # fmt: skip
    for headers in (member, school):
        for method, url in calls:
            body = {"member_id": new_id()} if method == "POST" and url.endswith("/offers") else None
            r = await h.svc.client.request(method, url, json=body, headers=headers)
            assert r.status_code == 403, (method, url, r.text)
    assert (await h.svc.client.get("/v1/visits/attention")).status_code == 401

    hostile = [
        ("GET", "/v1/visits/not-a-uuid/candidates", None),
        ("GET", "/v1/visits/not-a-uuid/offers", None),
        ("GET", f"/v1/visits/{visit_id}/candidates?travel_radius_km=1000000000", None),
        ("POST", f"/v1/visits/{visit_id}/rematch", {"travel_radius_km": 10**9}),
        ("POST", f"/v1/visits/{visit_id}/rematch", {"travel_radius_km": 0}),
        ("POST", f"/v1/visits/{visit_id}/rematch", {"radius": 10}),
        ("POST", f"/v1/visits/{visit_id}/offers", {"member_id": "not-a-uuid"}),
        ("POST", f"/v1/visits/{visit_id}/offers", {"member_id": new_id(), "note": "nul\x00byte"}),
        ("POST", f"/v1/visits/{visit_id}/offers", {"member_id": new_id(), "note": "x" * 301}),
        ("GET", "/v1/visits/attention?limit=1000000000", None),
    ]
    for method, url, body in hostile:
        r = await h.svc.client.request(method, url, json=body, headers=h.svc.auth("organiser"))
        assert r.status_code == 422, (method, url, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    nul = await h.svc.client.post(
        "/v1/visits/%00/offers", json={"member_id": new_id()}, headers=h.svc.auth("organiser")
    )
    assert nul.status_code == 404 and "control character" in nul.json()["detail"]  # the kit's answer to such paths
