"""A member leaves a confirmed team (an organiser deactivates them): the seat is refilled, or the visit is given up.

Given up, it must not stay `confirmed` with a seat short: the visit becomes `unfulfilled`, the rest of the team is
released, and everyone who held the invitation (the school and each member) is sent its CANCEL.
"""

from flows_kit import (
    Stack,
    answer,
    book_visit,
    eventually,
    inbox_has,
    mailed_calendars,
    open_offer,
    random_orgnr,
    register_member,
    visit,
    visit_in_status,
)
from test_visit_flows import api_calendar

KIRKENES = "5605"  # Sør-Varanger: nobody else on the flows' rosters lives within reach
ALTA = "5601"


async def confirmed_team(stack: Stack, members: list[dict], orgnr: str, booked: dict) -> dict:
    async def offered() -> list[tuple[dict, dict]] | None:
        found = [(m, await open_offer(stack, m["id"], booked["id"])) for m in members]
        pairs = [(m, o) for m, o in found if o is not None]
        return pairs if len(pairs) == 2 else None

    for member, offer in await eventually(offered):
        await answer(stack, member["id"], offer["id"], "accept")
    return await visit_in_status(stack, booked["id"], orgnr, "confirmed")


async def deactivate(stack: Stack, member_id: str) -> None:
    response = await stack.client("ambassadors").post(
        f"/v1/members/{member_id}/deactivate", headers=stack.auth("organiser")
    )
    assert response.status_code == 200, response.text


async def last_calendar_is(stack: Stack, address: str, expected: tuple[str, str, int]) -> None:
    async def check() -> bool:
        held = await mailed_calendars(stack, address)
        assert held and held[-1] == expected, held
        return True

    await eventually(check)


async def test_a_member_nobody_replaces_makes_the_confirmed_visit_unfulfilled_and_withdraws_every_invitation(
    stack: Stack,
):
    ivar = await register_member(stack, name="Ivar Varanger", profession="nurse", kommunenummer=KIRKENES)
    jon = await register_member(stack, name="Jon Varanger", profession="health_worker", kommunenummer=KIRKENES)
    orgnr = random_orgnr()
    booked = await book_visit(stack, orgnr, kommunenummer=KIRKENES, professions=["nurse", "health_worker"])
    await confirmed_team(stack, [ivar, jon], orgnr, booked)
    method, uid, sequence = await api_calendar(stack, booked["id"], orgnr)
    assert method == "PUBLISH"
    for address in (booked["contact_email"], ivar["email"], jon["email"]):
        await last_calendar_is(stack, address, ("REQUEST", uid, sequence))

    await deactivate(stack, ivar["id"])

    given_up = await visit_in_status(stack, booked["id"], orgnr, "unfulfilled")
    assert given_up["team"] == [] and "no replacement found" in given_up["history"][-1]["note"]
    assert [h["note"] for h in given_up["history"]][-2] == "a team member left; a replacement is sought"
    assert await api_calendar(stack, booked["id"], orgnr) == ("CANCEL", uid, sequence + 1)
    for member in (ivar, jon):
        released = await inbox_has(stack, member["id"], "member_released")
        assert released
    await last_calendar_is(stack, jon["email"], ("CANCEL", uid, sequence + 1))
    await last_calendar_is(stack, ivar["email"], ("CANCEL", uid, sequence + 1))
    await last_calendar_is(stack, booked["contact_email"], ("CANCEL", uid, sequence + 1))

    async def school_told() -> dict | None:
        mails = await stack.mails_to(booked["contact_email"])
        return next((m for m in mails if m["subject"].startswith("Vi fant dessverre ikke noe lag")), None)

    told = await eventually(school_told)
    assert "kalenderavtalen er trukket tilbake" in told["text"]
    assert any(p["content_type"] == "text/calendar" for p in told["parts"])

    async def jon_off_the_visit() -> bool:
        response = await stack.client("ambassadors").get("/v1/me/offers", headers=stack.auth("member", jon["id"]))
        statuses = [o["status"] for o in response.json() if o["visit_id"] == booked["id"]]
        assert statuses == ["released"], statuses
        return True

    await eventually(jon_off_the_visit)
    assert (await visit(stack, booked["id"], orgnr))["status"] == "unfulfilled"


async def test_a_member_who_leaves_is_replaced_and_the_visit_stays_confirmed_with_the_new_team(stack: Stack):
    members = [await register_member(stack, name=f"{first} Alta", profession="nurse", kommunenummer=ALTA)
               for first in ("Lise", "Mona", "Nina")]  # fmt: skip
    orgnr = random_orgnr()
    booked = await book_visit(stack, orgnr, kommunenummer=ALTA, professions=["nurse"])
    confirmed = await confirmed_team(stack, members, orgnr, booked)
    team = {m["first_name"] for m in confirmed["team"]}
    leaving = next(m for m in members if m["name"].split()[0] in team)
    staying = next(m for m in members if m["name"].split()[0] in team and m is not leaving)
    reserve = next(m for m in members if m["name"].split()[0] not in team)

    async def team_is(*names: str) -> dict:
        current = await visit(stack, booked["id"], orgnr)
        found = {m["first_name"] for m in current["team"]}
        assert found == set(names), found
        return current

    await deactivate(stack, leaving["id"])
    offer = await eventually(lambda: open_offer(stack, reserve["id"], booked["id"]))
    seat_short = await eventually(lambda: team_is(staying["name"].split()[0]))  # booking heard the member left
    assert seat_short["status"] == "confirmed"
    await answer(stack, reserve["id"], offer["id"], "accept")
    refilled = await eventually(lambda: team_is(staying["name"].split()[0], reserve["name"].split()[0]))
    assert refilled["status"] == "confirmed"
    await inbox_has(stack, leaving["id"], "member_released")
    method, _, _ = await api_calendar(stack, booked["id"], orgnr)
    assert method == "PUBLISH"
