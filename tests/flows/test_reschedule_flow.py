"""A confirmed visit that the school moves: the team is released, offered the new time, and confirmed again."""

import secrets

from flows_kit import (
    Stack,
    answer,
    book_visit,
    eventually,
    next_weekday_window,
    offers_of,
    open_offer,
    random_orgnr,
    register_member,
    visit_in_status,
)

ALESUND = "1508"


async def test_a_rescheduled_confirmed_visit_is_confirmed_again_when_its_team_accepts_the_new_time(stack: Stack):
    members = [await register_member(stack, name="Eva Ålesund", profession="nurse", kommunenummer=ALESUND),
               await register_member(stack, name="Frode Ålesund", profession="health_worker", kommunenummer=ALESUND)]
    orgnr = random_orgnr()
    booked = await book_visit(stack, orgnr, kommunenummer=ALESUND, professions=["nurse", "health_worker"])
    for member in members:
        offer = await eventually(lambda m=member: open_offer(stack, m["id"], booked["id"]))
        await answer(stack, member["id"], offer["id"], "accept")
    first = await visit_in_status(stack, booked["id"], orgnr, "confirmed")

    later = next_weekday_window(days_ahead=17)
    moved = await stack.client("booking").post(
        f"/v1/visit-requests/{booked['id']}/reschedule", json={"windows": [later]},
        headers=stack.auth("school", orgnr) | {"Idempotency-Key": secrets.token_hex(8)},
    )  # fmt: skip
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "requested"
    for member in members:
        offer = await eventually(lambda m=member: open_offer(stack, m["id"], booked["id"]))
        assert offer["window"]["start"][:10] == later["start"][:10]
        await answer(stack, member["id"], offer["id"], "accept")

    again = await visit_in_status(stack, booked["id"], orgnr, "confirmed")
    assert again["scheduled"]["start"][:10] == later["start"][:10] != first["scheduled"]["start"][:10]
    assert {m["first_name"] for m in again["team"]} == {"Eva", "Frode"}
    for member in members:  # the new offers stay accepted: nobody was released after accepting the new time
        statuses = sorted(o["status"] for o in await offers_of(stack, member["id"], booked["id"]))
        assert statuses == ["accepted", "released"], statuses
