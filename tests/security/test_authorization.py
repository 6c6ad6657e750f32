"""Who may touch what: a school only its own visits, a member only their own offers, notices and registration, and
only organisers the rosters, gatherings, figures and delivery logs. Someone else's resource answers 404, exactly
like one that does not exist, so ids cannot be probed."""

import io
import uuid
from dataclasses import dataclass
from typing import Any

import openpyxl
import pytest
from sec_data import (
    KOMMUNE,
    book,
    gathering_body,
    inbox,
    member_body,
    offers_of,
    published_gathering,
    random_orgnr,
    register_member,
    weekday_window,
)
from sec_system import System

from outreach_dev.testing.waiting import eventually
from outreach_shared.regions import Region


@dataclass
class World:
    """Two schools with a visit each, two members (one offered school A's visit), a published gathering."""

    school_a: str
    school_b: str
    visit_a: str
    offered: str
    other: str
    offer_id: str
    notice_id: str
    gathering_id: str


@pytest.fixture(scope="module")
async def world(system: System) -> World:
    first, second = await register_member(system), await register_member(system)
    school_a, school_b = random_orgnr(), random_orgnr()
    visit_a = (await book(system, school_a))["id"]
    await book(system, school_b)

    async def the_offer() -> tuple[str, dict[str, Any]] | None:
        for member in (first["id"], second["id"]):
            found = [o for o in await offers_of(system, member) if o["visit_id"] == visit_a]
            if found:
                return member, found[0]
        return None

    offered, offer = await eventually(the_offer)
    other = second["id"] if offered == first["id"] else first["id"]
    notices = await eventually(lambda: inbox(system, offered))
    gathering_id = await published_gathering(system)
    await _register(system, gathering_id, offered)
    return World(school_a, school_b, visit_a, offered, other, offer["id"], notices[0]["id"], gathering_id)


async def _register(system: System, gathering_id: str, member_id: str) -> None:
    async def registered() -> bool:  # training learns of the member from the roster topic
        response = await system.client("training").post(
            f"/v1/gatherings/{gathering_id}/registrations", json={}, headers=system.auth("member", member_id)
        )
        assert response.status_code == 201, response.text
        return True

    await eventually(registered)


async def test_a_school_cannot_see_or_change_another_schools_visit(system: System, world: World) -> None:
    booking, intruder = system.client("booking"), system.auth("school", world.school_b)
    url = f"/v1/visit-requests/{world.visit_a}"
    attempts = {
        "read": await booking.get(url, headers=intruder),
        "calendar": await booking.get(f"{url}/calendar.ics", headers=intruder),
        "cancel": await booking.post(f"{url}/cancel", json={"reason": "not mine"}, headers=intruder),
        "reschedule": await booking.post(f"{url}/reschedule", json={"windows": [weekday_window(21)]}, headers=intruder),
        "rate": await booking.post(f"{url}/rating", json={"rating": 1}, headers=intruder),
        "survey": await booking.get(f"{url}/survey", headers=intruder),
        "survey results": await booking.get(f"{url}/survey/results", headers=intruder),
    }
    unknown = await booking.get(f"/v1/visit-requests/{uuid.uuid4()}", headers=intruder)
    assert {what: r.status_code for what, r in attempts.items()} == dict.fromkeys(attempts, 404)
    assert attempts["read"].json()["title"] == unknown.json()["title"] == "Not found"
    listed = await booking.get("/v1/visit-requests", headers=intruder)
    assert world.visit_a not in [v["id"] for v in listed.json()["items"]]
    owner = await booking.get(url, headers=system.auth("school", world.school_a))
    assert owner.status_code == 200 and owner.json()["status"] != "cancelled"
    assert owner.json()["windows"] != [weekday_window(21)]


async def test_a_member_cannot_answer_read_or_withdraw_for_another_member(system: System, world: World) -> None:
    intruder = system.auth("member", world.other)
    ambassadors, notify, training = system.client("ambassadors"), system.client("notify"), system.client("training")
    accept = await ambassadors.post(f"/v1/offers/{world.offer_id}/accept", headers=intruder)
    decline = await ambassadors.post(f"/v1/offers/{world.offer_id}/decline", json={"reason": "x"}, headers=intruder)
    give_back = await ambassadors.post(f"/v1/offers/{world.offer_id}/withdraw", json={"reason": "x"}, headers=intruder)
    read = await notify.post(f"/v1/me/notifications/{world.notice_id}/read", headers=intruder)
    registration = await training.get(f"/v1/gatherings/{world.gathering_id}/registrations/me", headers=intruder)
    withdraw = await training.delete(f"/v1/gatherings/{world.gathering_id}/registrations/me", headers=intruder)
    report = await system.client("booking").post(
        f"/v1/visit-requests/{world.visit_a}/report", json={"pupils_reached": 1}, headers=intruder
    )
    answers = (accept, decline, give_back, read, registration, withdraw, report)
    statuses = [r.status_code for r in answers]
    assert statuses == [404] * 7, [r.text for r in answers]
    assert world.offer_id not in [o["id"] for o in await offers_of(system, world.other)]
    assert world.notice_id not in [n["id"] for n in await inbox(system, world.other)]
    owner = system.auth("member", world.offered)
    (offer,) = [o for o in await offers_of(system, world.offered) if o["id"] == world.offer_id]
    assert offer["status"] == "offered"
    assert next(n for n in await inbox(system, world.offered) if n["id"] == world.notice_id)["read_at"] is None
    mine = await training.get(f"/v1/gatherings/{world.gathering_id}/registrations/me", headers=owner)
    assert mine.status_code == 200 and mine.json()["status"] == "confirmed"


ORGANISER_ONLY = {
    "booking": [("GET", "/v1/stats"), ("DELETE", "/v1/visit-requests/{visit}/contact"),
                ("POST", "/v1/visit-requests/{visit}/complete"),
                ("GET", "/v1/visit-requests.csv"), ("GET", "/v1/visit-requests.xlsx"),
                ("GET", "/v1/stats.csv"), ("GET", "/v1/stats.xlsx")],
    "ambassadors": [
        ("GET", "/v1/members"), ("GET", "/v1/members.csv"), ("GET", "/v1/members.xlsx"), ("POST", "/v1/members"),
        ("POST", "/v1/members/import"),
        ("GET", "/v1/members/{member}"), ("PATCH", "/v1/members/{member}"), ("DELETE", "/v1/members/{member}"),
        ("POST", "/v1/members/{member}/deactivate"), ("POST", "/v1/members/{member}/reactivate"),
        ("GET", "/v1/visits/attention"), ("GET", "/v1/visits/{visit}/candidates"),
        ("GET", "/v1/visits/{visit}/offers"), ("POST", "/v1/visits/{visit}/offers"),
        ("POST", "/v1/visits/{visit}/rematch"), ("GET", "/v1/members/{member}/visits"),
    ],
    "training": [
        ("GET", "/v1/gatherings/attention"), ("GET", "/v1/members/{member}/gatherings"),
        ("GET", "/v1/gatherings"), ("POST", "/v1/gatherings"), ("GET", "/v1/gatherings/{gathering}"),
        ("PATCH", "/v1/gatherings/{gathering}"), ("POST", "/v1/gatherings/{gathering}/publish"),
        ("POST", "/v1/gatherings/{gathering}/cancel"), ("POST", "/v1/gatherings/{gathering}/complete"),
        ("POST", "/v1/gatherings/{gathering}/check-ins"), ("GET", "/v1/gatherings/{gathering}/participants"),
        ("GET", "/v1/gatherings/{gathering}/participants.csv"), ("GET", "/v1/gatherings/{gathering}/participants.xlsx"),
    ],
    "notify": [("GET", "/v1/notifications?recipient=member:{member}"), ("GET", "/v1/reminders?visit_id={visit}"),
               ("GET", "/v1/operations/dead-letters"), ("POST", "/v1/operations/dead-letters/0/0/replay")],
}  # fmt: skip
BODIES = {
    "/v1/members/import": {"content": b"name,email\n"},
    "/check-ins": {"json": {"member_id": "{member}"}},
    "/cancel": {"json": {"reason": "no"}},
    "/offers": {"json": {"member_id": "{member}"}},
}


@pytest.mark.parametrize("service", list(ORGANISER_ONLY))
async def test_members_and_schools_are_refused_organiser_only_endpoints(
    system: System, world: World, service: str
) -> None:
    ids = {"visit": world.visit_a, "member": world.offered, "gathering": world.gathering_id}
    refused = []
    for role, subject in (("member", world.offered), ("school", world.school_a)):
        for method, template in ORGANISER_ONLY[service]:
            url = template.format(**ids)
            body = next((b for suffix, b in BODIES.items() if url.endswith(suffix)), {"json": {}})
            if "json" in body:
                body = {"json": {k: str(v).format(**ids) for k, v in body["json"].items()}}
            response = await system.client(service).request(
                method,
                url,
                headers=system.auth(role, subject),
                **body,  # type: ignore[arg-type]
            )
            refused.append((role, method, url, response.status_code))
    assert [r for r in refused if r[3] != 403] == []
    roster = await system.client("ambassadors").get(f"/v1/members/{world.offered}", headers=system.auth("organiser"))
    assert roster.status_code == 200  # nothing above erased, deactivated or changed anyone
    assert roster.json()["active"] is True


MEMBER_ONLY = [("GET", "/v1/me"), ("PATCH", "/v1/me"), ("GET", "/v1/me/visits"), ("GET", "/v1/me/stats"),
               ("GET", "/v1/me/offers"), ("POST", "/v1/offers/{offer}/withdraw")]  # fmt: skip


async def test_organisers_and_schools_have_no_member_self_service(system: System, world: World) -> None:
    refused = []
    for role, subject in (("organiser", None), ("school", world.school_a)):
        for method, template in MEMBER_ONLY:
            url = template.format(offer=world.offer_id)
            body = {"json": {"reason": "x"}} if url.endswith("/withdraw") else {"json": {}} if method == "PATCH" else {}
            response = await system.client("ambassadors").request(
                method, url, headers=system.auth(role, subject), **body  # type: ignore[arg-type]
            )
            refused.append((role, method, url, response.status_code))
    assert [r for r in refused if r[3] != 403] == []


ELSEWHERE = Region.of(fylker=["50"])  # Trøndelag: the world above lives in Bodø (Nordland, 18)
HOME = Region.of(kommuner=[KOMMUNE])
PER_RESOURCE = {  # organiser endpoints naming one resource of the world: 404 from outside its region
    "booking": [("GET", "/v1/visit-requests/{visit}"), ("GET", "/v1/visit-requests/{visit}/calendar.ics"),
                ("POST", "/v1/visit-requests/{visit}/cancel"), ("DELETE", "/v1/visit-requests/{visit}/contact"),
                ("GET", "/v1/visit-requests/{visit}/survey"), ("GET", "/v1/visit-requests/{visit}/survey/results"),
                ("POST", "/v1/visit-requests/{visit}/complete")],
    "ambassadors": [
        ("GET", "/v1/members/{member}"), ("PATCH", "/v1/members/{member}"), ("DELETE", "/v1/members/{member}"),
        ("POST", "/v1/members/{member}/deactivate"), ("POST", "/v1/members/{member}/reactivate"),
        ("GET", "/v1/visits/{visit}/candidates"), ("GET", "/v1/visits/{visit}/offers"),
        ("POST", "/v1/visits/{visit}/offers"), ("POST", "/v1/visits/{visit}/rematch"),
    ],
    "training": [
        ("GET", "/v1/gatherings/{gathering}"), ("PATCH", "/v1/gatherings/{gathering}"),
        ("POST", "/v1/gatherings/{gathering}/publish"), ("POST", "/v1/gatherings/{gathering}/cancel"),
        ("POST", "/v1/gatherings/{gathering}/complete"), ("POST", "/v1/gatherings/{gathering}/check-ins"),
        ("GET", "/v1/gatherings/{gathering}/participants"), ("GET", "/v1/gatherings/{gathering}/participants.csv"),
        ("GET", "/v1/gatherings/{gathering}/participants.xlsx"),
    ],
}  # fmt: skip
NATIONAL_ONLY = {  # operations: a regional organiser is refused whatever it names
    "notify": [("GET", "/v1/notifications?recipient=member:{member}"), ("GET", "/v1/reminders?visit_id={visit}"),
               ("GET", "/v1/operations/dead-letters")],
    **{service: [("GET", "/v1/operations/set-aside")] for service in ("booking", "ambassadors", "training")},
}


async def _call(system: System, service: str, method: str, template: str, world: World, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    ids = {"visit": world.visit_a, "member": world.offered, "gathering": world.gathering_id}
    url = template.format(**ids)
    body = next((b for suffix, b in BODIES.items() if url.endswith(suffix)), {"json": {}})
    if "json" in body:
        body = {"json": {k: str(v).format(**ids) for k, v in body["json"].items()}}
    return await system.client(service).request(method, url, headers=headers, **body)  # type: ignore[arg-type]


@pytest.mark.parametrize("service", list(PER_RESOURCE))
async def test_a_regional_organiser_gets_404_for_everything_outside_the_region(
    system: System, world: World, service: str
) -> None:
    outsider = system.auth("organiser", region=ELSEWHERE)
    answers = [(m, t, (await _call(system, service, m, t, world, outsider)).status_code)
               for m, t in PER_RESOURCE[service]]  # fmt: skip
    assert [a for a in answers if a[2] != 404] == []
    roster = await system.client("ambassadors").get(f"/v1/members/{world.offered}", headers=system.auth("organiser"))
    assert roster.status_code == 200 and roster.json()["active"] is True  # nothing above changed anyone
    visit = await system.client("booking").get(f"/v1/visit-requests/{world.visit_a}", headers=system.auth("organiser"))
    assert visit.json()["status"] != "cancelled"


async def test_a_regional_organiser_sees_the_region_and_lists_only_it(system: System, world: World) -> None:
    home, away = system.auth("organiser", region=HOME), system.auth("organiser", region=ELSEWHERE)
    booking, ambassadors, training = system.client("booking"), system.client("ambassadors"), system.client("training")
    assert (await booking.get(f"/v1/visit-requests/{world.visit_a}", headers=home)).status_code == 200
    assert (await ambassadors.get(f"/v1/members/{world.offered}", headers=home)).status_code == 200
    assert (await training.get(f"/v1/gatherings/{world.gathering_id}", headers=home)).status_code == 200
    listed = {
        "visits": lambda h: booking.get("/v1/visit-requests", params={"limit": 200}, headers=h),
        "members": lambda h: ambassadors.get("/v1/members", params={"limit": 1000}, headers=h),
        "gatherings": lambda h: training.get("/v1/gatherings", headers=h),
    }
    wanted = {"visits": world.visit_a, "members": world.offered, "gatherings": world.gathering_id}
    for what, get in listed.items():
        near, far = (await get(home)).json(), (await get(away)).json()
        ids = lambda page: [i["id"] for i in (page["items"] if isinstance(page, dict) else page)]  # noqa: E731
        assert wanted[what] in ids(near) and wanted[what] not in ids(far), what
    home_stats = (await booking.get("/v1/stats", headers=home)).json()
    away_stats = (await booking.get("/v1/stats", headers=away)).json()
    assert home_stats["total"]["requested"] >= 1 and away_stats["total"]["requested"] == 0, (home_stats, away_stats)
    assert {c["county_number"] for c in home_stats["by_county"]} == {"18"} and away_stats["by_county"] == []
    candidates = await ambassadors.get(f"/v1/visits/{world.visit_a}/candidates", headers=home)
    assert candidates.status_code == 200, candidates.text
    excluded = {e["member_id"]: e["code"] for e in candidates.json()["excluded"]}
    assert excluded.get(world.offered) == "on_team", candidates.json()  # the member offered the visit's seat
    attention = {
        "visits": lambda h: ambassadors.get("/v1/visits/attention", headers=h),
        "gatherings": lambda h: training.get("/v1/gatherings/attention", headers=h),
    }
    for what, get in attention.items():
        near, far = (await get(home)), (await get(away))
        assert (near.status_code, far.status_code) == (200, 200), what
        assert all(i["kommunenummer"] == KOMMUNE for i in near.json()), what  # the home region is one kommune
        assert not any(i["kommunenummer"] == KOMMUNE for i in far.json()), what
    exports = {  # the downloads hold what the lists hold: the region's rows only
        "visits": (booking, "/v1/visit-requests", world.visit_a),
        "members": (ambassadors, "/v1/members", world.offered),
    }
    for what, (client, path, wanted_id) in exports.items():
        for fmt in ("csv", "xlsx"):
            near, far = [await client.get(f"{path}.{fmt}", headers=h) for h in (home, away)]
            assert near.status_code == far.status_code == 200, (what, fmt)
            assert wanted_id.encode() in _text(near.content, fmt), (what, fmt)
            assert wanted_id.encode() not in _text(far.content, fmt), (what, fmt)
    for fmt in ("csv", "xlsx"):
        near, far = [await booking.get(f"/v1/stats.{fmt}", headers=h) for h in (home, away)]
        assert b"Nordland" in _text(near.content, fmt) and b"Nordland" not in _text(far.content, fmt), fmt


def _text(body: bytes, fmt: str) -> bytes:
    """A CSV as it is, or every cell of an XLSX workbook's sheet as text."""
    if fmt == "csv":
        return body
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    return "\n".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row).encode()


async def test_a_regional_organiser_cannot_create_outside_the_region(system: System) -> None:
    away = system.auth("organiser", region=ELSEWHERE)
    member = await system.client("ambassadors").post("/v1/members", json=member_body(), headers=away)
    gathering = await system.client("training").post("/v1/gatherings", json=gathering_body(), headers=away)
    assert (member.status_code, gathering.status_code) == (403, 403), (member.text, gathering.text)
    assert "region" in member.json()["detail"] and "region" in gathering.json()["detail"]
    csv = "name,email,phone,profession,kommunenummer,languages\nSiri Nord,siri.nord@example.no,41234567,nurse,1804,nb\n"
    imported = await system.client("ambassadors").post(
        "/v1/members/import", content=csv.encode(), headers={**away, "Content-Type": "text/csv"}
    )
    assert imported.status_code == 422 and "region" in imported.json()["errors"][0]["reason"], imported.text


@pytest.mark.parametrize("service", list(NATIONAL_ONLY))
async def test_operations_are_for_national_organisers_only(system: System, world: World, service: str) -> None:
    for method, template in NATIONAL_ONLY[service]:
        regional = await _call(system, service, method, template, world, system.auth("organiser", region=HOME))
        national = await _call(system, service, method, template, world, system.auth("organiser"))
        assert (regional.status_code, national.status_code) == (403, 200), (template, regional.text)
