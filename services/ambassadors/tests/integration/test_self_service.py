"""Members look after themselves: their profile and availability, their visits, their totals, and withdrawing."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from ambassadors_harness import OSLO, Harness, slot
from test_offers_flow import answer, offer_of

from outreach_dev.testing.waiting import eventually
from outreach_shared.contracts import Topics
from outreach_shared.contracts.booking import VisitCompleted
from outreach_shared.contracts.common import TimeWindow


def as_member(h: Harness, member_id: str) -> dict[str, str]:
    return h.svc.auth("member", member_id)


async def me(h: Harness, member_id: str) -> dict[str, Any]:
    r = await h.svc.client.get("/v1/me", headers=as_member(h, member_id))
    assert r.status_code == 200, r.text
    return dict(r.json())


async def patch_me(h: Harness, member_id: str, body: dict[str, Any]) -> Any:
    return await h.svc.client.patch("/v1/me", json=body, headers=as_member(h, member_id))


async def test_a_member_reads_and_changes_her_own_profile_and_the_snapshot_follows(harness: Harness) -> None:
    h = harness
    kari = await h.add_member("Kari Nordmann", languages=["nb", "en"])
    before = await me(h, kari)
    assert before["name"] == "Kari Nordmann" and before["notice_language"] is None
    assert before["times_of_day"] == ["morning", "midday", "afternoon"] and before["unavailable"] == []

    holiday = {"from": (date.today() + timedelta(days=30)).isoformat(),
               "to": (date.today() + timedelta(days=44)).isoformat(), "note": "Sommerferie"}  # fmt: skip
    email = f"kari.{uuid.uuid4().hex[:8]}@example.no"
    r = await patch_me(h, kari, {"phone": "+47 912 34 567", "email": email, "notice_language": "en",
                                 "times_of_day": ["morning"], "unavailable": [holiday], "travel_radius_km": 20,
                                 "max_visits_per_month": 2, "weekdays": [1, 2]})  # fmt: skip
    assert r.status_code == 200, r.text
    after = r.json()
    assert after == await me(h, kari)
    assert after["name"] == "Kari Nordmann" and after["languages"] == ["nb", "en"]  # left out: unchanged
    assert (after["phone"], after["email"], after["notice_language"]) == ("+4791234567", email, "en")
    assert after["unavailable"] == [holiday] and after["times_of_day"] == ["morning"]
    assert (after["travel_radius_km"], after["max_visits_per_month"], after["weekdays"]) == (20, 2, [1, 2])

    updated = await h.events(Topics.MEMBERS, kari, "member.updated")
    snapshot = updated[-1].payload["member"]
    assert (snapshot["email"], snapshot["phone"], snapshot["preferred_language"]) == (email, "+4791234567", "en")

    r = await patch_me(h, kari, {"notice_language": None})
    assert r.status_code == 200 and r.json()["notice_language"] is None and r.json()["unavailable"] == [holiday]
    updated = await h.events(Topics.MEMBERS, kari, "member.updated", count=2)
    assert updated[-1].payload["member"]["preferred_language"] == "nb"


FAR = "9999-12-31"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": "Kari\u0000Nordmann"}, "name"), ({"name": "K" * 100_000}, "name"),
     ({"unavailable": [{"from": FAR, "to": FAR}]}, "unavailable"),
     ({"unavailable": [{"from": "2026-01-01", "to": FAR}]}, "unavailable"),
     ({"unavailable": [{"from": "2026-07-21", "to": "2026-07-01"}]}, "unavailable"),
     ({"unavailable": [{"from": "2026-07-01", "to": "2026-07-02", "note": "x" * 10_000}]}, "unavailable"),
     ({"unavailable": [{"from": "2026-07-01", "to": "2026-07-02", "note": "fri\u0000"}]}, "unavailable"),
     ({"unavailable": [{"from": "2026-07-01", "to": "2026-07-02"}] * 51}, "unavailable"),
     ({"times_of_day": ["night"]}, "times_of_day"), ({"times_of_day": []}, "times_of_day"),
     ({"notice_language": "de"}, "notice_language"), ({"name": None}, "name"),
     ({"travel_radius_km": 10**12}, "travel_radius_km"), ({"profession": "nurse"}, "profession"),
     ({"kommunenummer": "0301"}, "kommunenummer")],
)  # fmt: skip
async def test_hostile_or_bad_changes_are_refused_naming_the_field(
    harness: Harness, body: dict[str, Any], field: str
) -> None:
    h = harness
    kari = await h.add_member("Kari Nordmann")
    r = await patch_me(h, kari, body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert all(e["field"].split(".")[0] == field for e in r.json()["errors"]), r.json()
    assert (await me(h, kari))["name"] == "Kari Nordmann"


@pytest.mark.parametrize("role", ["organiser", "school"])
async def test_only_a_member_has_a_me(harness: Harness, role: str) -> None:
    h = harness
    headers = h.svc.auth(role) if role == "organiser" else h.svc.auth("school", "974760673")
    for method, path in (("GET", "/v1/me"), ("PATCH", "/v1/me"), ("GET", "/v1/me/visits"), ("GET", "/v1/me/stats")):
        r = await h.svc.client.request(method, path, json={} if method == "PATCH" else None, headers=headers)
        assert r.status_code == 403, (method, path, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    r = await h.svc.client.post(f"/v1/offers/{uuid.uuid4()}/withdraw", json={"reason": "x"}, headers=headers)
    assert r.status_code == 403
    assert (await h.svc.client.get("/v1/me")).status_code == 401


async def test_an_erased_member_has_no_me(harness: Harness) -> None:
    h = harness
    gone = await h.add_member("Gone Away")
    assert (await h.svc.client.delete(f"/v1/members/{gone}", headers=h.svc.auth("organiser"))).status_code == 204
    for path in ("/v1/me", "/v1/me/visits", "/v1/me/stats"):
        assert (await h.svc.client.get(path, headers=as_member(h, gone))).status_code == 404


async def test_a_member_on_holiday_is_not_offered_a_visit_in_her_holiday(empty_roster: Harness) -> None:
    h = empty_roster
    window = slot(3, 2)
    day = window.start.astimezone(OSLO).date()
    away = await h.add_member("Away Nearby")  # in the visit's municipality: she would be offered it first
    home = await h.add_member("Home Malvik", kommunenummer="5031")
    holiday = {"from": (day - timedelta(days=3)).isoformat(), "to": (day + timedelta(days=3)).isoformat()}
    assert (await patch_me(h, away, {"unavailable": [holiday]})).status_code == 200

    visit = await h.request_visit(windows=[window])
    assert await h.offered_to(visit.visit_id, 1) == [home]


async def test_a_member_who_goes_only_in_the_morning_is_not_offered_an_afternoon(empty_roster: Harness) -> None:
    h = empty_roster
    mornings = await h.add_member("Morning Nearby")
    afternoons = await h.add_member("Any Time Malvik", kommunenummer="5031")
    assert (await patch_me(h, mornings, {"times_of_day": ["morning"]})).status_code == 200

    late = await h.request_visit(windows=[slot(3, 2, hour=13)])
    assert await h.offered_to(late.visit_id, 1) == [afternoons]
    early = await h.request_visit(windows=[slot(3, 3, hour=8)])
    assert await h.offered_to(early.visit_id, 1) == [mornings]


async def confirmed(h: Harness, member_id: str, **visit: Any) -> tuple[str, str]:
    """A visit whose one seat the member accepted: (visit id, offer id)."""
    requested = await h.request_visit(**visit)
    assert await h.offered_to(requested.visit_id, 1) == [member_id]
    offer_id = await offer_of(h, requested.visit_id, member_id)
    assert (await answer(h, offer_id, member_id, "accept"))[0] == 200
    await h.offer_events(requested.visit_id, "team.confirmed")
    return requested.visit_id, offer_id


async def test_my_visits_show_the_school_the_team_and_what_is_expected_then_my_totals(empty_roster: Harness) -> None:
    h = empty_roster
    kari = await h.add_member("Kari Nordmann")
    offered = await h.request_visit(windows=[slot(4, 4)])
    await h.offered_to(offered.visit_id, 1)
    soon = datetime.now(UTC) + timedelta(seconds=3)
    window = TimeWindow(start=soon, end=soon + timedelta(seconds=4))
    done, _ = await confirmed(h, kari, windows=[window], pupils=40)

    async def visits() -> dict[str, Any]:
        r = await h.svc.client.get("/v1/me/visits", headers=as_member(h, kari))
        assert r.status_code == 200, r.text
        return dict(r.json())

    upcoming = {v["visit_id"]: v for v in (await visits())["upcoming"]}
    ask = upcoming[offered.visit_id]
    assert ask["school"] == {"name": "Test skole", "address": "Skolegata 1", "kommunenummer": "5001",
                             "kommune": "Trondheim"}  # fmt: skip
    assert ask["seat"]["status"] == "offered" and ask["status"] == "open" and ask["team"] == []
    assert [e["action"] for e in ask["expected"]] == ["answer_offer"]
    assert ask["expected"][0]["due"] == ask["seat"]["expires_at"]
    on = upcoming[done]
    assert on["team"] == [{"first_name": "Kari", "profession": "nurse"}] and on["status"] == "confirmed"

    async def seen(listed: str) -> dict[str, Any]:
        found = next((v for v in (await visits())[listed] if v["visit_id"] == done), None)
        assert found is not None, f"{done} not among the {listed} visits"
        return found

    async def report_expected() -> bool:
        assert [e["action"] for e in (await seen("past"))["expected"]] == ["report"]
        return True

    await eventually(report_expected, timeout=30)
    await h.publish(VisitCompleted(visit_id=done, pupils_reached=37, team_member_ids=[kari], kommunenummer="5001",
                                   scheduled=window), done)  # fmt: skip

    async def totals() -> dict[str, Any]:
        r = await h.svc.client.get("/v1/me/stats", headers=as_member(h, kari))
        assert r.status_code == 200 and r.json()["all_time"] == {"visits": 1, "pupils_reached": 37}, r.text
        return dict(r.json())

    stats = await eventually(totals, timeout=30)
    assert stats["this_school_year"] == {"visits": 1, "pupils_reached": 37}
    completed = await seen("past")
    assert (completed["status"], completed["expected"], completed["seat"]["status"]) == ("completed", [], "accepted")
    assert offered.visit_id not in {v["visit_id"] for v in (await visits())["past"]}  # never on it


async def test_withdrawing_a_confirmed_seat_late_flags_it_releases_me_and_offers_the_seat_on(
    empty_roster: Harness,
) -> None:
    h = empty_roster
    kari = await h.add_member("Kari Nordmann")
    tomorrow = datetime.now(UTC) + timedelta(hours=30)
    window = TimeWindow(start=tomorrow, end=tomorrow + timedelta(hours=2))
    visit_id, offer_id = await confirmed(h, kari, windows=[window])
    ola = await h.add_member("Ola Malvik", kommunenummer="5031")

    status, body = await answer(h, offer_id, ola, "withdraw", reason="x")
    assert status == 404  # someone else's offer
    status, body = await answer(h, offer_id, kari, "withdraw", reason="Barnet er sykt")
    assert status == 200 and body["status"] == "withdrawn", body

    (flag,) = await h.offer_events(visit_id, "offer.withdrawn")
    assert flag.payload | {"window": None} == {"offer_id": offer_id, "visit_id": visit_id, "member_id": kari,
                                               "reason": "Barnet er sykt", "by_member": True, "late": True,
                                               "window": None}  # fmt: skip
    (released,) = await h.offer_events(visit_id, "team.member-released")
    assert released.payload["member_id"] == kari and released.payload["window"] is not None
    assert await h.offered_to(visit_id, 1) == [ola]

    status, body = await answer(h, offer_id, kari, "withdraw", reason="again")
    assert status == 409 and "only an accepted offer" in body["detail"]
    mine = (await h.svc.client.get("/v1/me/visits", headers=as_member(h, kari))).json()
    assert visit_id not in {v["visit_id"] for v in mine["upcoming"]}


async def test_withdrawing_needs_a_reason_an_accepted_offer_and_a_visit_not_yet_started(empty_roster: Harness) -> None:
    h = empty_roster
    kari = await h.add_member("Kari Nordmann")
    soon = datetime.now(UTC) + timedelta(seconds=3)
    _, started = await confirmed(h, kari, windows=[TimeWindow(start=soon, end=soon + timedelta(hours=1))])
    for body in ({}, {"reason": ""}, {"reason": "x" * 501}, {"reason": "nul\u0000"}):
        r = await h.svc.client.post(f"/v1/offers/{started}/withdraw", json=body, headers=as_member(h, kari))
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason", r.text

    await eventually(lambda: datetime.now(UTC) > soon, timeout=30)
    status, problem = await answer(h, started, kari, "withdraw", reason="too late")
    assert status == 409 and "started" in problem["detail"], problem

    offered = await h.request_visit(windows=[slot(4, 4)])
    await h.offered_to(offered.visit_id, 1)
    status, problem = await answer(h, await offer_of(h, offered.visit_id, kari), kari, "withdraw", reason="no")
    assert status == 409 and "only an accepted offer" in problem["detail"]
