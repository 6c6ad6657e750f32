"""Who may be what, kept by national organisers: the allow-list gives (and takes) an organiser account with its
scope; a school's contact is made by invitation or by approving a request, never by asking alone."""

from uuid import uuid4

import pytest

from outreach_dev.testing.service import RunningService
from outreach_shared.regions import Region
from portal.domain.accounts import Account

pytestmark = pytest.mark.asyncio(loop_scope="session")
ORGNR = "974760673"


def address(tag: str) -> str:
    return f"{tag}.{uuid4().hex[:10]}@example.no"


async def accounts_of(portal: RunningService, email: str) -> list[Account]:
    async with portal.runtime.unit_of_work("test") as uow:
        return await uow.accounts.for_email(email)  # type: ignore[attr-defined, no-any-return]


async def test_the_allow_list_gives_an_organiser_account_with_its_scope_and_takes_it_away(
    portal: RunningService,
) -> None:
    national, email = portal.auth("organiser"), address("Ola.Koordinator")
    added = await portal.client.post("/v1/organisers", json={"email": email, "fylker": ["50"]}, headers=national)
    assert added.status_code == 201, added.text
    organiser_id = added.json()["organiser_id"]
    assert [(a.role, a.region) for a in await accounts_of(portal, email.upper())] == [("organiser", Region.of(["50"]))]
    again = await portal.client.post("/v1/organisers", json={"email": email.upper()}, headers=national)
    assert again.status_code == 409
    rescoped = await portal.client.patch(f"/v1/organisers/{organiser_id}", json={"kommuner": ["5001"]},
                                         headers=national)  # fmt: skip
    assert rescoped.status_code == 200 and rescoped.json()["kommuner"] == ["5001"], rescoped.text
    assert (await accounts_of(portal, email))[0].region == Region.of(kommuner=["5001"])
    assert (await portal.client.delete(f"/v1/organisers/{organiser_id}", headers=national)).status_code == 204
    assert await accounts_of(portal, email) == []
    assert (await portal.client.delete(f"/v1/organisers/{organiser_id}", headers=national)).status_code == 404
    async with portal.runtime.unit_of_work("test") as uow:
        actions = [r["action"] for r in await uow.conn.fetch(
            "SELECT action FROM audit_log WHERE target = $1 ORDER BY id", f"organiser:{organiser_id}")]  # fmt: skip
        leaked = await uow.conn.fetchval("SELECT count(*) FROM audit_log WHERE details::text ILIKE $1", f"%{email}%")
    assert actions == ["organiser_added", "organiser_scope_changed", "organiser_removed"] and leaked == 0


async def test_an_unknown_area_or_a_hostile_address_is_refused_naming_the_field(portal: RunningService) -> None:
    national = portal.auth("organiser")
    unknown = await portal.client.post("/v1/organisers", json={"email": address("x"), "fylker": ["99"]},
                                       headers=national)  # fmt: skip
    assert unknown.status_code == 422 and "fylker" in unknown.text, unknown.text
    for email in ("a\x00b@example.no", "x" * 10_000 + "@example.no", "not-an-address"):
        answer = await portal.client.post("/v1/organisers", json={"email": email}, headers=national)
        assert answer.status_code == 422, answer.text


async def test_asking_makes_nobody_a_contact_until_an_organiser_approves(portal: RunningService) -> None:
    national, email = portal.auth("organiser"), address("radgiver")
    asked = await portal.client.post("/v1/school-contact-requests", json={"orgnr": ORGNR, "email": email},
                                     headers={"X-Forwarded-For": "198.51.100.7"})  # fmt: skip
    assert asked.status_code == 202, asked.text
    assert await accounts_of(portal, email) == []
    pending = await portal.client.get("/v1/school-contact-requests", headers=national)
    request = next(r for r in pending.json() if r["email"] == email)
    approved = await portal.client.post(f"/v1/school-contact-requests/{request['request_id']}/approve",
                                        headers=national)  # fmt: skip
    assert approved.status_code == 200 and approved.json()["status"] == "approved", approved.text
    assert [(a.role, a.subject) for a in await accounts_of(portal, email)] == [("school", ORGNR)]
    twice = await portal.client.post(f"/v1/school-contact-requests/{request['request_id']}/reject", headers=national)
    assert twice.status_code == 404  # decided once
    contacts = (await portal.client.get(f"/v1/schools/{ORGNR}/contacts", headers=national)).json()
    contact = next(c for c in contacts if c["email"] == email)
    assert contact["via"] == "approval"
    removed = await portal.client.delete(f"/v1/schools/{ORGNR}/contacts/{contact['contact_id']}", headers=national)
    assert removed.status_code == 204 and await accounts_of(portal, email) == []


async def test_an_invitation_ties_the_address_to_that_school_only(portal: RunningService) -> None:
    email = address("kontakt")
    invited = await portal.client.post(f"/v1/schools/{ORGNR}/contacts", json={"email": email},
                                       headers=portal.auth("organiser"))  # fmt: skip
    assert invited.status_code == 201 and invited.json()["via"] == "invitation", invited.text
    assert [(a.role, a.subject) for a in await accounts_of(portal, email)] == [("school", ORGNR)]


async def test_a_bad_orgnr_in_a_request_is_refused_and_requests_are_rate_limited(portal: RunningService) -> None:
    bad = await portal.client.post("/v1/school-contact-requests", json={"orgnr": "974760674", "email": address("x")})
    assert bad.status_code == 422 and "orgnr" in bad.text
    answers = [(await portal.client.post("/v1/school-contact-requests",
                                         json={"orgnr": ORGNR, "email": address("flood")})).status_code
               for _ in range(12)]  # fmt: skip
    assert 429 in answers and set(answers) <= {202, 429}


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/v1/organisers"), ("POST", "/v1/organisers"), ("PATCH", f"/v1/organisers/{uuid4()}"),
    ("DELETE", f"/v1/organisers/{uuid4()}"), ("GET", f"/v1/schools/{ORGNR}/contacts"),
    ("POST", f"/v1/schools/{ORGNR}/contacts"), ("DELETE", f"/v1/schools/{ORGNR}/contacts/{uuid4()}"),
    ("GET", "/v1/school-contact-requests"), ("POST", f"/v1/school-contact-requests/{uuid4()}/approve"),
    ("POST", f"/v1/school-contact-requests/{uuid4()}/reject"),
])  # fmt: skip
async def test_only_national_organisers_keep_who_may_be_what(portal: RunningService, method: str, path: str) -> None:
    for headers in (portal.auth("organiser", region=Region.of(fylker=["03"])), portal.auth("school", ORGNR),
                    portal.auth("member", str(uuid4()))):  # fmt: skip
        assert (await portal.client.request(method, path, headers=headers, json={})).status_code == 403
    assert (await portal.client.request(method, path, json={})).status_code == 401
