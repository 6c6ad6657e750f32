"""Organisers' gatherings in the web app, on the running system: a national organiser (desktop, English) creates a
draft in the form (a mistake first, shown beside its field), publishes it after the confirmation, sees two members
register live, checks them in on a phone by typing their codes (keyboard only; a wrong code and a second check-in
said plainly; the camera scanner's script loads within the CSP), completes the gathering and sees the training
certificates; a regional organiser of another county neither lists it nor opens it. axe-core on every state."""

import io
import re
from datetime import datetime, timedelta
from typing import Any

import openpyxl
import pytest
from flows_kit import OSLO, Stack, eventually, register_member, unique_email
from playwright.async_api import Page, expect
from web_kit import Visitor, sign_in_by_mail

TITLE = "Samling i Møre og Romsdal"


async def organiser(stack: Stack, **scope: list[str]) -> str:
    """A new organiser on the portal's allow-list (national unless `fylker`/`kommuner`); their e-mail."""
    email = unique_email("arrangor")
    added = await stack.client("portal").post("/v1/organisers", json={"email": email, **scope},
                                              headers=stack.auth("organiser"))  # fmt: skip
    assert added.status_code in (200, 201), added.text
    return email


def local(at: datetime) -> str:
    """A `datetime-local` input's value."""
    return at.astimezone(OSLO).strftime("%Y-%m-%dT%H:%M")


async def status_says(page: Page, text: str) -> None:
    await expect(page.get_by_role("status")).to_contain_text(text)


async def registered(stack: Stack, gathering: str, member: dict[str, Any]) -> str:
    """The member registers through training's API (once invited); their check-in code."""
    training, auth = stack.client("training"), stack.auth("member", member["id"])

    async def done() -> bool:
        r = await training.post(f"/v1/gatherings/{gathering}/registrations", json={}, headers=auth)
        assert r.status_code in (201, 403, 404, 409, 422), r.text
        return r.status_code == 201

    await eventually(done, timeout=60, interval=1)
    mine = await training.get(f"/v1/me/gatherings/{gathering}", headers=auth)
    assert mine.status_code == 200, mine.text
    return str(mine.json()["check_in_code"])


async def type_code_and_submit(page: Page, code: str) -> None:
    """Keyboard only: Tab to the code field, type, Enter."""
    field = page.get_by_label("The member's check-in code")
    for _ in range(40):
        if await field.evaluate("e => e === document.activeElement"):
            break
        await page.keyboard.press("Tab")
    else:
        raise AssertionError("the code field was never reached by Tab")
    await page.keyboard.type(code)
    await page.keyboard.press("Enter")


@pytest.mark.timeout(900)  # the stack's start (when this runs first) and the gathering's start are waited for
async def test_an_organiser_runs_a_gathering_from_draft_to_certificates(stack: Stack, open_visitor: Any) -> None:
    members = [await register_member(stack, name=name, profession="nurse", kommunenummer="1508")
               for name in ("Kari Ålesund", "Ola Molde")]  # fmt: skip
    email = await organiser(stack)
    visitor: Visitor = await open_visitor("desktop", locale="en-GB")
    page = visitor.page
    await sign_in_by_mail(stack, visitor, email)
    portal = stack.urls["portal"]

    async def listed() -> bool:  # just after the stack starts, training may not yet have fetched the portal's keys
        await visitor.goto(portal + "/organiser/gatherings")
        await expect(page.get_by_role("heading", name="Gatherings", level=1)).to_be_visible(timeout=1000)
        return True

    await eventually(listed, timeout=30, interval=2)
    await visitor.check("organiser gatherings list")

    await page.get_by_role("link", name="New gathering").click()
    await expect(page.get_by_role("heading", name="New gathering", level=1)).to_be_visible()
    await visitor.check("organiser gathering new")
    # It starts at the next whole minute three minutes on: checking in opens at once, completing once it has started.
    starts = (datetime.now(OSLO) + timedelta(minutes=4)).replace(second=0, microsecond=0)
    await page.get_by_label("Title", exact=True).first.fill(TITLE)
    await page.get_by_label("Name of the venue").fill("Scandic Parken")
    await page.get_by_label("Address").fill("Storgata 16")
    await page.get_by_label("Municipality number (kommunenummer)").fill("1508")
    await page.get_by_label("Starts", exact=True).first.fill(local(starts))
    await page.get_by_label("Ends", exact=True).first.fill(local(starts + timedelta(hours=6)))
    await page.get_by_label("Places").fill("10")
    await page.get_by_label("Health worker").uncheck()
    await page.get_by_label(re.compile(r"^Møre og Romsdal")).check()
    await page.get_by_label("Registration opens").fill(local(starts - timedelta(days=1)))
    await page.get_by_label("Registration closes").fill(local(starts))
    await page.get_by_label("Last time to withdraw").fill(local(starts + timedelta(minutes=1)))  # after it starts
    await page.get_by_role("button", name="Save the draft").click()
    summary = page.get_by_role("heading", name="Please check these before you go on")
    await expect(summary).to_be_visible()
    await expect(page.locator("#withdrawal_deadline-error")).to_contain_text("must not be after the gathering starts")
    await visitor.check("organiser gathering form refused")
    await page.get_by_label("Last time to withdraw").fill(local(starts))
    await page.get_by_role("button", name="Save the draft").click()
    await status_says(page, "The draft is saved.")
    await expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    gathering = page.url.rsplit("/organiser/gatherings/", 1)[1].split("?")[0]
    await visitor.check("organiser gathering draft")

    await page.get_by_role("link", name="Publish", exact=True).click()
    await expect(page.get_by_text("Every eligible member in the counties and professions invited")).to_be_visible()
    await visitor.check("organiser gathering publish confirmation")
    await page.get_by_role("button", name="Yes, publish").click()
    await status_says(page, "The gathering is published")

    codes = [await registered(stack, gathering, m) for m in members]
    # the page refreshes itself: both show up as registered without a reload, announced in the status region
    await expect(page.get_by_role("table", name=re.compile(r"^Registered \(2\)"))).to_be_visible(timeout=30_000)
    await status_says(page, "2 registered")
    await visitor.check("organiser gathering published live")

    # Check-in on the day, on the organiser's phone, keyboard only.
    phone: Visitor = await open_visitor("phone", locale="en-GB")
    await sign_in_by_mail(stack, phone, email)
    await phone.goto(f"{portal}/organiser/gatherings/{gathering}/check-in")
    await expect(phone.page.get_by_role("heading", name="Check-in", level=1)).to_be_visible()
    # the scanner's module ran (it shows its button where the browser has a camera API) and jsQR is loaded
    await expect(phone.page.get_by_role("button", name="Scan the QR code with the camera")).to_be_visible()
    assert await phone.page.evaluate("typeof window.jsQR") == "function"
    await phone.check("organiser check-in")
    await type_code_and_submit(phone.page, "ZZZZ-ZZZZ")
    await expect(phone.page.get_by_role("heading", name="Not checked in")).to_be_visible()
    await status_says(phone.page, "No one registered for this gathering has the code ZZZZ-ZZZZ")
    await phone.check("organiser check-in wrong code")
    await type_code_and_submit(phone.page, codes[0].lower())
    await status_says(phone.page, "Kari Ålesund is checked in.")
    await expect(phone.page.get_by_text("Checked in so far: 1 of 2.")).to_be_visible()
    await phone.check("organiser check-in done")
    await type_code_and_submit(phone.page, codes[0])
    await status_says(phone.page, "Kari Ålesund was already checked in.")
    await type_code_and_submit(phone.page, codes[1])
    await status_says(phone.page, "Ola Molde is checked in.")

    async def completed() -> bool:  # completing is allowed once the gathering has started
        await visitor.goto(f"{portal}/organiser/gatherings/{gathering}/complete")
        await expect(page.get_by_text("Everyone checked in (2) is trained this year")).to_be_visible()
        await page.get_by_role("button", name="Yes, complete").click()
        await page.wait_for_load_state("load")
        return "done=completed" in page.url

    await visitor.goto(f"{portal}/organiser/gatherings/{gathering}/complete")
    await visitor.check("organiser gathering complete confirmation")
    await eventually(completed, timeout=400, interval=10)
    await status_says(page, "The gathering is completed")
    certificates = page.locator("a[href^='/bevis/']")
    await expect(certificates).to_have_count(2)
    await visitor.check("organiser gathering certificates")
    download = await page.request.get(f"{portal}/organiser/gatherings/{gathering}/participants.xlsx")
    assert download.ok and download.headers["content-disposition"].startswith("attachment; filename=")
    sheet = openpyxl.load_workbook(io.BytesIO(await download.body())).active
    assert sheet is not None and sheet.max_row == 3  # the header and the two members
    await certificates.first.click()
    await expect(page.get_by_text(TITLE).first).to_be_visible()

    # A regional organiser of Oslo neither lists it nor opens it.
    oslo = await open_visitor("desktop", locale="en-GB")
    await sign_in_by_mail(stack, oslo, await organiser(stack, fylker=["03"]))
    await oslo.goto(f"{portal}/organiser/gatherings")
    await expect(oslo.page.get_by_role("heading", name="Gatherings", level=1)).to_be_visible()
    await expect(oslo.page.get_by_role("link", name=TITLE)).to_have_count(0)
    await oslo.check("organiser gatherings regional")
    response = await oslo.page.goto(f"{portal}/organiser/gatherings/{gathering}")
    assert response is not None and response.status == 404
    await expect(oslo.page.get_by_role("link", name=TITLE)).to_have_count(0)
    await oslo.check("organiser gathering not found")
