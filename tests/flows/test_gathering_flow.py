"""Flow 6: an annual gathering from publishing to 'trained', and matching preferring the trained member."""

from datetime import timedelta

from flows_kit import OSLO, Stack, answer, book_visit, eventually, inbox_has, open_offer, random_orgnr, register_member


async def test_flow_6_gathering_fills_waitlist_promotes_checks_in_completes_and_matching_prefers_trained(stack: Stack):
    from datetime import datetime

    # Innlandet (34): no other flow has members there. Four nurses in Hamar; capacity two.
    anne, berit, cato, dag = [
        await register_member(stack, name=f"{first} Hamar", profession="nurse", kommunenummer="3403")
        for first in ("Anne", "Berit", "Cato", "Dag")
    ]
    now = datetime.now(OSLO).replace(microsecond=0)
    starts = now + timedelta(seconds=100)
    body = {
        "title": "Årssamling for ambassadører i Innlandet",
        "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=6)).isoformat(),
        "venue": {"name": "Scandic Ringsaker", "address": "Hamarvegen 1", "kommunenummer": "3403"},
        "region": ["34"], "audience": ["nurse"], "capacity": 2,
        "registration_opens": (now - timedelta(days=1)).isoformat(),
        "registration_closes": (now + timedelta(seconds=90)).isoformat(),
        "withdrawal_deadline": (now + timedelta(seconds=85)).isoformat(),
        "sessions": [{"title": "Fortellerteknikk", "kind": "storytelling", "starts_at": starts.isoformat(),
                      "ends_at": (starts + timedelta(hours=2)).isoformat()}],
    }
    training = stack.client("training")
    organiser = stack.auth("organiser")
    created = await training.post("/v1/gatherings", json=body, headers=organiser)
    assert created.status_code == 201, created.text
    gathering = created.json()["id"]
    assert (await training.post(f"/v1/gatherings/{gathering}/publish", headers=organiser)).status_code == 200

    for member in (anne, berit, cato, dag):
        await inbox_has(stack, member["id"], "gathering_invitation")

    async def register(member: dict) -> dict:
        response = await training.post(f"/v1/gatherings/{gathering}/registrations", json={"dietary": "vegetar"},
                                       headers=stack.auth("member", member["id"]))
        assert response.status_code in (200, 201), response.text
        return response.json()

    assert (await register(anne))["status"] == "confirmed"
    assert (await register(berit))["status"] == "confirmed"
    waiting = await register(cato)
    assert (waiting["status"], waiting["position"]) == ("waitlisted", 1)
    await inbox_has(stack, cato["id"], "gathering_waitlisted")

    withdrawn = await training.delete(f"/v1/gatherings/{gathering}/registrations/me",
                                      headers=stack.auth("member", anne["id"]))
    assert withdrawn.status_code == 204, withdrawn.text
    await inbox_has(stack, cato["id"], "gathering_place_offered")
    accepted = await training.post(f"/v1/gatherings/{gathering}/registrations/me/accept-offer",
                                   headers=stack.auth("member", cato["id"]))
    assert accepted.status_code == 200, accepted.text

    checked = await training.post(f"/v1/gatherings/{gathering}/check-ins", json={"member_id": cato["id"]},
                                  headers=organiser)
    assert checked.status_code in (200, 201), checked.text
    counts = (await training.get(f"/v1/gatherings/{gathering}", headers=organiser)).json()["counts"]
    assert (counts["registered"], counts["waiting"], counts["checked_in"]) == (2, 0, 1)

    async def completed() -> bool:  # completion is allowed once the gathering has started
        response = await training.post(f"/v1/gatherings/{gathering}/complete", headers=organiser)
        assert response.status_code == 200, response.text
        return True

    await eventually(completed, timeout=150, interval=3)

    async def trained() -> dict:
        member = (await stack.client("ambassadors").get(f"/v1/members/{cato['id']}", headers=organiser)).json()
        assert member["trained_year"] == starts.year, member
        return member

    await eventually(trained)
    orgnr = random_orgnr()
    booked = await book_visit(stack, orgnr, kommunenummer="3403", professions=["nurse"], team_size=1)

    async def offered_to_someone() -> tuple[dict, dict] | None:
        for member in (anne, berit, cato, dag):
            offer = await open_offer(stack, member["id"], booked["id"])
            if offer:
                return member, offer
        return None

    member, offer = await eventually(offered_to_someone)
    assert member["id"] == cato["id"], f"the trained member should be preferred, not {member['name']}"
    assert f"trained {starts.year}" in offer["reason"]
    await answer(stack, cato["id"], offer["id"], "accept")
