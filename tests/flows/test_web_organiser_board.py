"""The organisers' board in the web app, on the running system, on a desktop: a national organiser signs in, sees
an unfulfilled visit on the board and staffs it by override (a named member whom matching rules out), sees a late
withdrawal and runs matching again from the board by keyboard alone; a regional organiser of another county sees
neither and is refused the visit's page. axe-core on every state reached."""

from datetime import datetime
from typing import Any

from flows_kit import (
    OSLO,
    Stack,
    answer,
    book_visit,
    eventually,
    next_weekday_window,
    open_offer,
    random_orgnr,
    register_member,
    soon_window,
    visit_in_status,
)
from playwright.async_api import expect
from web_kit import Visitor, allow_organiser, sign_in_by_mail

HATTFJELLDAL = "1826"  # Nordland: no other flow's members live within reach (over 140 km)
VAGA = "3435"  # Innlandet: the same
ALL_DAYS = [1, 2, 3, 4, 5, 6, 7]


async def status_says(visitor: Visitor, text: str) -> None:
    await expect(visitor.page.get_by_role("status")).to_contain_text(text)


async def unfulfilled_visit(stack: Stack) -> tuple[dict[str, Any], dict[str, Any]]:
    """A visit in Hattfjelldal nobody can take, then a nurse there who does not work that weekday (matching rules
    her out; an organiser may still ask her)."""
    window = next_weekday_window(days_ahead=12)
    orgnr = random_orgnr()
    booked = await book_visit(stack, orgnr, kommunenummer=HATTFJELLDAL, professions=["nurse"], team_size=1,
                              windows=[window])  # fmt: skip
    await visit_in_status(stack, booked["id"], orgnr, "unfulfilled")
    weekday = datetime.fromisoformat(window["start"]).astimezone(OSLO).isoweekday()
    nurse = await register_member(stack, name="Hanne Hattfjell", profession="nurse", kommunenummer=HATTFJELLDAL,
                                  weekdays=[d for d in ALL_DAYS if d != weekday])  # fmt: skip
    return booked, nurse


async def late_withdrawal(stack: Stack) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A confirmed visit in Vågå starting in about 26 hours, whose only member withdraws; then a second nurse joins
    the roster (nobody has asked her yet)."""
    leaving = await register_member(stack, name="Live Vågå", profession="nurse", kommunenummer=VAGA)
    orgnr = random_orgnr()
    booked = await book_visit(stack, orgnr, kommunenummer=VAGA, professions=["nurse"], team_size=1,
                              windows=[soon_window(start_in_seconds=26 * 3600, minutes=90)])  # fmt: skip
    offer = await eventually(lambda: open_offer(stack, leaving["id"], booked["id"]))
    await answer(stack, leaving["id"], offer["id"], "accept")
    await visit_in_status(stack, booked["id"], orgnr, "confirmed")
    response = await stack.client("ambassadors").post(
        f"/v1/offers/{offer['id']}/withdraw", json={"reason": "Vakt jeg ikke kan bytte"},
        headers=stack.auth("member", leaving["id"]),
    )  # fmt: skip
    assert response.status_code == 200, response.text
    reserve = await register_member(stack, name="Rolf Vågå", profession="nurse", kommunenummer=VAGA)
    return booked, leaving, reserve


async def tab_to(visitor: Visitor, action: str, *, presses: int = 300) -> None:
    """Press Tab until the focus is on the button of the form posting to `action`."""
    for _ in range(presses):
        await visitor.page.keyboard.press("Tab")
        focused = await visitor.page.evaluate(
            "() => { const e = document.activeElement; const f = e && e.closest('form');"
            " return e && e.tagName === 'BUTTON' && f ? f.getAttribute('action') : null; }"
        )
        if focused == action:
            return
    raise AssertionError(f"Tab never reached the button of {action}")


async def test_an_organiser_works_through_the_board_and_a_regional_one_sees_only_their_region(
    stack: Stack, open_visitor
) -> None:
    (nobody, hanne), (short, left, rolf) = await unfulfilled_visit(stack), await late_withdrawal(stack)
    portal = stack.urls["portal"]
    organiser = await open_visitor("desktop")
    await sign_in_by_mail(stack, organiser, await allow_organiser(stack))
    page = organiser.page

    async def board_lists() -> bool:
        await organiser.goto(f"{portal}/organiser")
        listed = await page.locator("a[href^='/organiser/visits/']").evaluate_all("(a) => a.map(e => e.href)")
        return all(any(h.endswith(f"/organiser/visits/{v['id']}") for h in listed) for v in (nobody, short))

    await eventually(board_lists, timeout=60, interval=2)
    await expect(page.get_by_role("heading", name="Dette trenger deg nå")).to_be_visible()
    await expect(page.get_by_role("heading", name="Denne uken", exact=False)).to_be_visible()
    await organiser.check("organiser board")

    # The late withdrawal: matching again, from the board, by keyboard alone.
    await page.locator("body").focus()
    await tab_to(organiser, f"/organiser/visits/{short['id']}/rematch")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{portal}/organiser?done=rematched")
    await status_says(organiser, "Matchingen ble kjørt på nytt")
    await organiser.check("organiser board after rematch")

    async def asked_again() -> dict[str, Any] | None:  # a new round: the nurse who left may be asked again too
        return await open_offer(stack, rolf["id"], short["id"]) or await open_offer(stack, left["id"], short["id"])

    assert await eventually(asked_again)

    # The unfulfilled visit: its page, then a seat offered by name to a member matching rules out.
    row = page.get_by_role("row").filter(has=page.locator(f"a[href='/organiser/visits/{nobody['id']}']")).first
    await row.get_by_role("link", name="Åpne besøket").click()
    await expect(page.get_by_role("heading", name="Kandidater")).to_be_visible()
    await expect(page.get_by_role("cell", name="Hanne Hattfjell").first).to_be_visible()  # ruled out, and why
    await organiser.check("organiser visit unfulfilled")
    await page.get_by_role("button", name="Tilby plassen").click()
    await expect(page.get_by_role("link", name="Velg et medlem")).to_be_visible()  # the error summary
    await organiser.check("organiser visit offer without a member")
    await page.get_by_label("Medlem", exact=True).select_option(label="Hanne Hattfjell (utelukket av matchingen)")
    await page.get_by_label("Melding til medlemmet (valgfritt)").fill("Kan du ta denne?")
    await page.get_by_role("button", name="Tilby plassen").click()
    await status_says(organiser, "Plassen er tilbudt medlemmet.")
    await expect(page.get_by_role("cell", name="Venter på svar")).to_be_visible()
    await organiser.check("organiser visit offered")
    offered = await eventually(lambda: open_offer(stack, hanne["id"], nobody["id"]))
    assert offered["reason"].endswith("Kan du ta denne?")

    # A regional organiser of Vestland sees neither visit, and is refused their pages.
    regional = await open_visitor("desktop")
    await sign_in_by_mail(stack, regional, await allow_organiser(stack, fylker=["46"]))
    await regional.goto(f"{portal}/organiser")
    for visit in (nobody, short):
        await expect(regional.page.locator(f"a[href='/organiser/visits/{visit['id']}']")).to_have_count(0)
    await regional.check("organiser board regional")
    response = await regional.page.goto(f"{portal}/organiser/visits/{nobody['id']}")
    assert response is not None and response.status in (403, 404)
    await regional.check("organiser visit outside the region")
