"""The organiser's roster API: members, import, deactivation and erasure."""

import uuid
from typing import Any

import pytest
from ambassadors_harness import Harness, slot

from outreach_dev.testing.waiting import eventually
from outreach_shared.contracts import Topics


def csv_rows(*rows: str) -> bytes:
    header = "\ufeffNavn;Yrke;Kommunenummer;E-post;Mobil;Språk;Maks besøk per måned\n"
    return (header + "".join(r + "\n" for r in rows)).encode()


async def test_registers_a_member_and_publishes_the_snapshot(harness: Harness) -> None:
    h = harness
    email = f"kari.{uuid.uuid4().hex[:6]}@example.no"
    body = {
        "name": "Kari Nordmann",
        "profession": "nurse",
        "kommunenummer": "5001",
        "email": email,
        "phone": "912 34 567",
        "languages": ["nb", "en"],
    }
    r = await h.svc.client.post("/v1/members", json=body, headers=h.svc.auth("organiser"))
    assert r.status_code == 201, r.text
    member = r.json()
    assert member["phone"] == "+4791234567" and member["fylke"] == "Trøndelag"
    assert member["max_visits_per_month"] == 4 and member["weekdays"] == [1, 2, 3, 4, 5]
    (event,) = await h.events(Topics.MEMBERS, member["id"], "member.registered")
    snapshot = event.payload["member"]
    assert snapshot["first_name"] == "Kari" and snapshot["preferred_language"] == "nb"
    assert "employer" not in snapshot

    again = await h.svc.client.post("/v1/members", json=body, headers=h.svc.auth("organiser"))
    assert again.status_code == 409
    r = await h.svc.client.patch(
        f"/v1/members/{member['id']}", json={"travel_radius_km": 80}, headers=h.svc.auth("organiser")
    )
    assert r.status_code == 200 and r.json()["travel_radius_km"] == 80
    listed = await h.svc.client.get(
        "/v1/members", params={"fylke": "50", "profession": "nurse"}, headers=h.svc.auth("organiser")
    )
    assert member["id"] in {m["id"] for m in listed.json()}


async def test_refuses_unknown_municipalities_bad_phones_and_other_roles(harness: Harness) -> None:
    h = harness
    body = {
        "name": "X",
        "profession": "nurse",
        "kommunenummer": "5001",
        "email": "x@example.no",
        "phone": "41234567",
        "languages": ["nb"],
    }
    r = await h.svc.client.post("/v1/members", json=body | {"kommunenummer": "3004"}, headers=h.svc.auth("organiser"))
    assert r.status_code == 422 and "3107" in r.json()["detail"]  # Fredrikstad since 2024
    r = await h.svc.client.post("/v1/members", json=body | {"phone": "12"}, headers=h.svc.auth("organiser"))
    assert r.status_code == 422 and "phone" in r.json()["detail"]
    r = await h.svc.client.post("/v1/members", json=body, headers=h.svc.auth("member", str(uuid.uuid4())))
    assert r.status_code == 403


async def test_import_with_one_bad_row_imports_nothing(harness: Harness) -> None:
    h = harness
    tag = uuid.uuid4().hex[:6]
    good = f"Ola Hansen;helsefagarbeider;5001;ola.{tag}@example.no;41234567;nb, en;3"
    bad = f"Per Feil;sykepleier;9999;per.{tag}@example.no;41234567;nb;2"
    r = await h.svc.client.post(
        "/v1/members/import",
        content=csv_rows(good, bad),
        headers=h.svc.auth("organiser") | {"content-type": "text/csv"},
    )
    assert r.status_code == 422
    assert [e["line"] for e in r.json()["errors"]] == [3] and "9999" in r.json()["errors"][0]["reason"]
    assert await h.pool.fetchval("SELECT count(*) FROM members WHERE email LIKE $1", f"%.{tag}@example.no") == 0

    r = await h.svc.client.post(
        "/v1/members/import", content=csv_rows(good), headers=h.svc.auth("organiser") | {"content-type": "text/csv"}
    )
    assert r.status_code == 200 and len(r.json()["created"]) == 1
    changed = good.replace(";3", ";5")
    r = await h.svc.client.post(
        "/v1/members/import", content=csv_rows(changed), headers=h.svc.auth("organiser") | {"content-type": "text/csv"}
    )
    assert len(r.json()["updated"]) == 1 and r.json()["created"] == []
    assert (
        await h.pool.fetchval("SELECT max_visits_per_month FROM members WHERE email = $1", f"ola.{tag}@example.no") == 5
    )


async def test_erasure_leaves_no_personal_data_in_the_schema(harness: Harness) -> None:
    h = harness
    name, email = f"Eraseme {uuid.uuid4().hex[:8]}", f"erase.{uuid.uuid4().hex[:8]}@example.no"
    member_id = await h.add_member(name, email=email, phone="+47 93 99 88 77", employer="Secret Employer AS")
    visit = await h.request_visit(kommunenummer="5001")
    await eventually(lambda: h.pool.fetchval("SELECT count(*) FROM offers WHERE visit_id = $1", visit.visit_id))
    await h.pool.execute("UPDATE offers SET decline_reason = $1 WHERE member_id = $2", f"{name} is ill", member_id)
    other = await h.request_visit(
        visit_id=str(uuid.uuid4()), professions=["health_worker"], windows=[slot(4, 3)], team_size=5
    )  # seats open whoever else is on the roster
    await eventually(lambda: h.pool.fetchval("SELECT true FROM visits WHERE id = $1", other.visit_id))
    override = await h.svc.client.post(
        f"/v1/visits/{other.visit_id}/offers",
        json={"member_id": member_id, "note": f"{name} knows the school"},
        headers=h.svc.auth("organiser"),
    )  # an organiser's note naming the member
    assert override.status_code == 201, override.text
    for key in (member_id, other.visit_id):
        await eventually(
            lambda k=key: h.pool.fetchval("SELECT bool_and(published_at IS NOT NULL) FROM outbox WHERE key = $1", k)
        )

    r = await h.svc.client.delete(f"/v1/members/{member_id}", headers=h.svc.auth("organiser"))
    assert r.status_code == 204
    assert (await h.svc.client.get(f"/v1/members/{member_id}", headers=h.svc.auth("organiser"))).status_code == 404
    await h.events(Topics.MEMBERS, member_id, "member.erased")

    tables = await h.pool.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
    )
    for table in (t["table_name"] for t in tables):
        text = " ".join(r[0] for r in await h.pool.fetch(f'SELECT t::text FROM "{table}" t'))
        for secret in (name, email, "+4793998877", "Secret Employer"):
            assert secret not in text, f"{secret!r} left in {table}"


@pytest.mark.parametrize(
    ("change", "field"),
    [({"name": "Kari\u0000Nordmann"}, "name"), ({"name": "Kari \u202ennamdroN"}, "name"),
     ({"name": "Kari\nNordmann"}, "name"), ({"employer": "Helse\u0007 AS"}, "employer"),
     ({"kommunenummer": "0000"}, "kommunenummer"), ({"phone": "+47 FLOWERS"}, "phone"),
     ({"unavailable_dates": ["9999-12-31", "2027-01-04"]}, "unavailable_dates")],
)  # fmt: skip
async def test_refuses_control_characters_unknown_places_and_far_dates_naming_the_field(
    harness: Harness, change: dict[str, Any], field: str
) -> None:
    h, organiser = harness, harness.svc.auth("organiser")
    body = {"name": "Kari Nordmann", "profession": "nurse", "kommunenummer": "5001", "languages": ["nb"],
            "email": f"kari.{uuid.uuid4().hex[:8]}@example.no", "phone": "41234567"}  # fmt: skip
    created = await h.svc.client.post("/v1/members", json=body | change, headers=organiser)
    assert created.status_code == 422, created.text
    assert created.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in created.json()["errors"]] == [field]
    member = await h.svc.client.post("/v1/members", json=body, headers=organiser)
    assert member.status_code == 201, member.text
    patched = await h.svc.client.patch(f"/v1/members/{member.json()['id']}", json=change, headers=organiser)
    assert patched.status_code == 422, patched.text
    assert [e["field"] for e in patched.json()["errors"]] == [field]


async def test_import_with_a_day_off_beyond_the_horizon_names_its_line_and_imports_nothing(harness: Harness) -> None:
    h, tag = harness, uuid.uuid4().hex[:6]
    header = "Navn;Yrke;Kommunenummer;E-post;Mobil;Språk;Utilgjengelig\n"
    rows = f"Ola Hansen;helsefagarbeider;5001;ola.{tag}@example.no;41234567;nb;2027-01-04\n"
    rows += f"Per Fjern;sykepleier;5001;per.{tag}@example.no;41234568;nb;9999-12-31\n"
    r = await h.svc.client.post(
        "/v1/members/import", content=(header + rows).encode(),
        headers=h.svc.auth("organiser") | {"content-type": "text/csv"},
    )  # fmt: skip
    assert r.status_code == 422, r.text
    assert [e["line"] for e in r.json()["errors"]] == [3] and "9999-12-31" in r.json()["errors"][0]["reason"]
    assert await h.pool.fetchval("SELECT count(*) FROM members WHERE email LIKE $1", f"%.{tag}@example.no") == 0
