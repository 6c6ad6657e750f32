"""A member withdraws from a confirmed visit a day before it: the seat is offered to the next best member, the
organisers are mailed about the late withdrawal, and the member who withdrew is sent the invitation's CANCEL."""

from flows_kit import (
    ORGANISER_EMAIL,
    Stack,
    answer,
    book_visit,
    eventually,
    inbox_has,
    mailed_calendars,
    open_offer,
    random_orgnr,
    register_member,
    soon_window,
    visit,
    visit_in_status,
)

BODO = "1804"  # nobody else on the flows' rosters lives within reach


async def test_a_late_withdrawal_is_refilled_flagged_to_the_organisers_and_cancelled_in_the_calendar(stack: Stack):
    members = [await register_member(stack, name=f"{first} Bodø", profession="nurse", kommunenummer=BODO)
               for first in ("Tone", "Unni")]  # fmt: skip
    orgnr = random_orgnr()
    booked = await book_visit(stack, orgnr, kommunenummer=BODO, professions=["nurse"], team_size=1,
                              windows=[soon_window(start_in_seconds=26 * 3600, minutes=90)])  # fmt: skip

    async def offered() -> tuple[dict, dict] | None:
        found = [(m, await open_offer(stack, m["id"], booked["id"])) for m in members]
        return next(((m, o) for m, o in found if o is not None), None)

    leaving, offer = await eventually(offered)
    reserve = next(m for m in members if m is not leaving)
    await answer(stack, leaving["id"], offer["id"], "accept")
    await visit_in_status(stack, booked["id"], orgnr, "confirmed")

    async def invited() -> tuple[str, str, int]:
        held = await mailed_calendars(stack, leaving["email"])
        assert held and held[-1][0] == "REQUEST", held
        return held[-1]

    _, uid, _ = await eventually(invited)

    response = await stack.client("ambassadors").post(
        f"/v1/offers/{offer['id']}/withdraw", json={"reason": "Vakt jeg ikke kan bytte"},
        headers=stack.auth("member", leaving["id"]),
    )  # fmt: skip
    assert response.status_code == 200 and response.json()["status"] == "withdrawn", response.text

    replacement = await eventually(lambda: open_offer(stack, reserve["id"], booked["id"]))
    assert (await visit(stack, booked["id"], orgnr))["status"] == "confirmed"  # while a replacement is sought

    async def organisers_told() -> dict | None:
        mails = await stack.mails_to(ORGANISER_EMAIL)
        return next((m for m in mails if m["subject"] == f"Sen avmelding: besøk {booked['id']}"), None)

    flagged = await eventually(organisers_told)
    assert "Vakt jeg ikke kan bytte" in flagged["text"] and leaving["id"] in flagged["text"]

    async def cancelled() -> bool:
        held = await mailed_calendars(stack, leaving["email"])
        assert held and held[-1][:2] == ("CANCEL", uid), held
        return True

    await eventually(cancelled)
    await inbox_has(stack, leaving["id"], "member_released")

    await answer(stack, reserve["id"], replacement["id"], "accept")

    async def refilled() -> dict:
        current = await visit(stack, booked["id"], orgnr)
        assert [m["first_name"] for m in current["team"]] == ["Unni" if leaving["name"].startswith("Tone") else "Tone"]
        return current

    assert (await eventually(refilled))["status"] == "confirmed"
