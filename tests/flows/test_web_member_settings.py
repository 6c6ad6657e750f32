"""A member's own settings in the web app, on the running system, on a 390 px phone: when they can go (a holiday in
two taps, a monthly limit, a bad value shown beside its field), their profile, how they are told (channels, quiet
hours, language) and their calendar link (made, rotated: the old link stops working, turned off). Ambassadors' and
notify's own APIs show what the pages saved; axe-core checks every page and state; the availability form works with
the keyboard alone."""

import asyncio
import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from babel.dates import format_date
from flows_kit import Stack, eventually, register_member
from playwright.async_api import Page, expect
from web_kit import sign_in_by_mail

OSLO = ZoneInfo("Europe/Oslo")


def today() -> date:
    return datetime.now(OSLO).date()


def nb_day(day: date) -> str:
    """A date as the pages write it in Bokmål: '7. desember 2026'."""
    return format_date(day, "d. MMMM y", locale="nb")


async def me(stack: Stack, member_id: str) -> dict[str, Any]:
    """The member as ambassadors has them."""
    response = await stack.client("ambassadors").get("/v1/me", headers=stack.auth("member", member_id))
    assert response.status_code == 200, response.text
    return response.json()


async def preferences(stack: Stack, member_id: str) -> dict[str, Any]:
    """The member's notification preferences as notify has them."""
    response = await stack.client("notify").get("/v1/me/preferences", headers=stack.auth("member", member_id))
    assert response.status_code == 200, response.text
    return response.json()


async def focused_name(page: Page) -> str:
    """The focused element's name attribute, or its text."""
    return str(await page.evaluate("() => document.activeElement.name || document.activeElement.textContent || ''"))


async def tab_to(page: Page, wanted: str, *, most: int = 80) -> None:
    """Press Tab until the element whose name (or text) starts with `wanted` has the focus."""
    for _ in range(most):
        await page.keyboard.press("Tab")
        if (await focused_name(page)).strip().startswith(wanted):
            return
    raise AssertionError(f"Tab never reached {wanted!r}")


_keys_settled: list[bool] = []


async def keys_settled(stack: Stack) -> None:
    """Once a session: wait until the portal publishes a signing key, then a little longer than the services' least
    time between two fetches of it (`KeySet.min_refetch_seconds`). A service that fetched the keys while the portal
    was making its first one would otherwise refuse the first token the portal signs (a race at start-up only)."""
    if _keys_settled:
        return

    async def published() -> bool:
        answer = await stack.client("portal").get("/.well-known/jwks.json")
        return answer.status_code == 200 and bool(answer.json().get("keys"))

    await eventually(published, timeout=30)
    await asyncio.sleep(6)
    _keys_settled.append(True)


async def member_signed_in(stack: Stack, open_visitor: Any, name: str) -> tuple[dict[str, Any], Any]:
    await keys_settled(stack)
    member = await register_member(stack, name=name, profession="nurse", kommunenummer="0301")
    visitor = await open_visitor("phone")
    await sign_in_by_mail(stack, visitor, member["email"])
    return member, visitor


async def test_a_member_adds_a_holiday_in_two_taps_and_sets_a_monthly_limit(stack: Stack, open_visitor: Any) -> None:
    member, visitor = await member_signed_in(stack, open_visitor, "Hilde Ferie")
    page, portal = visitor.page, stack.urls["portal"]
    await visitor.goto(f"{portal}/me/availability")
    await expect(page.get_by_role("heading", name="Tilgjengelighet", level=1)).to_be_visible()
    await expect(page.get_by_text("Du har ingen ferier lagret.")).to_be_visible()
    await visitor.check("availability")

    await page.get_by_text("Legg til ferie", exact=True).click()  # tap one: open "Add a holiday"
    await visitor.check("availability add a holiday")
    await page.get_by_role("button", name=re.compile("^Neste uke")).click()  # tap two: next week
    monday = today() + timedelta(days=7 - today().weekday())
    sunday = monday + timedelta(days=6)
    await expect(page.get_by_role("status")).to_contain_text("Ferien er lagret.")
    away = page.get_by_role("region", name="Ferier og dager borte")
    await expect(away.get_by_role("listitem")).to_have_count(1)
    await expect(away.get_by_role("listitem")).to_contain_text(f"{nb_day(monday)} – {nb_day(sunday)}")
    assert {"from": monday.isoformat(), "to": sunday.isoformat()} in [
        {"from": a["from"], "to": a["to"]} for a in (await me(stack, member["id"]))["unavailable"]
    ]
    await visitor.check("availability holiday added")

    await page.get_by_text("Legg til ferie", exact=True).click()
    first_day = page.get_by_label("Første dag borte")
    await first_day.fill("9999-12-24")  # beyond ambassadors' horizon: its refusal is shown beside the field
    await page.get_by_label("Siste dag borte").fill("9999-12-31")
    await page.get_by_role("button", name="Legg til ferien").click()
    await expect(first_day).to_have_accessible_description(re.compile("Velg datoer innen 18 måneder fra i dag"))
    await expect(first_day).to_be_visible()  # the holiday's details stay open to show it
    assert len((await me(stack, member["id"]))["unavailable"]) == 1
    await visitor.check("availability holiday refused")

    limit = page.get_by_label("Flest besøk i måneden")
    await limit.fill("99")
    await page.get_by_role("button", name="Lagre tilgjengelighet").click()
    summary = page.get_by_role("heading", name="Sjekk dette før du går videre").locator("..")
    await expect(summary).to_be_visible()
    await expect(summary.get_by_role("link", name="Skriv et helt tall fra 0 til 31")).to_be_visible()
    await expect(limit).to_have_attribute("aria-invalid", "true")
    await expect(limit).to_have_accessible_description(re.compile("Skriv et helt tall fra 0 til 31"))
    await expect(limit).to_have_value("99")  # what the member wrote is kept
    assert (await me(stack, member["id"]))["max_visits_per_month"] != 99
    await visitor.check("availability monthly limit refused")
    await summary.get_by_role("link", name="Skriv et helt tall fra 0 til 31").click()
    await expect(limit).to_be_focused()

    await limit.fill("3")
    await page.get_by_role("button", name="Lagre tilgjengelighet").click()
    await expect(page.get_by_role("status")).to_contain_text("Tilgjengeligheten din er lagret.")
    assert (await me(stack, member["id"]))["max_visits_per_month"] == 3
    await visitor.check("availability saved")

    await page.get_by_role("button", name=re.compile(f"^Fjern {re.escape(nb_day(monday))}")).click()
    await expect(page.get_by_role("status")).to_contain_text("Ferien er fjernet.")
    assert (await me(stack, member["id"]))["unavailable"] == []


async def test_the_availability_form_works_with_the_keyboard_alone(stack: Stack, open_visitor: Any) -> None:
    member, visitor = await member_signed_in(stack, open_visitor, "Tor Tastatur")
    page, portal = visitor.page, stack.urls["portal"]
    await visitor.goto(f"{portal}/me/availability")
    await tab_to(page, "Legg til ferie")
    await page.keyboard.press("Enter")  # opens the holiday's details
    await tab_to(page, "pick")
    assert (await focused_name(page)) == "pick"  # the first quick pick: next week
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("status")).to_contain_text("Ferien er lagret.")
    assert len((await me(stack, member["id"]))["unavailable"]) == 1

    await visitor.goto(f"{portal}/me/availability")
    await tab_to(page, "weekdays")  # Monday
    await page.keyboard.press("Space")  # not Mondays any more
    await tab_to(page, "max_visits_per_month")
    await page.keyboard.press("Control+A")
    await page.keyboard.type("2")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("status")).to_contain_text("Tilgjengeligheten din er lagret.")
    saved = await me(stack, member["id"])
    assert saved["max_visits_per_month"] == 2 and 1 not in saved["weekdays"] and 7 in saved["weekdays"]
    await visitor.check("availability after keyboard")


async def test_a_member_changes_their_profile(stack: Stack, open_visitor: Any) -> None:
    member, visitor = await member_signed_in(stack, open_visitor, "Per Profil")
    page, portal = visitor.page, stack.urls["portal"]
    await visitor.goto(f"{portal}/me/availability")
    await page.get_by_role("link", name="Profilen din").click()
    await expect(page.get_by_role("heading", name="Profilen din", level=1)).to_be_visible()
    await visitor.check("profile")
    phone, name = page.get_by_label("Mobilnummer"), page.get_by_label("Navn", exact=True)
    await phone.fill("ikke et nummer")
    await name.fill("Per\x00Profil")  # a NUL byte: ambassadors refuses it, and the page says so beside the name
    await page.get_by_role("button", name="Lagre profil").click()
    await expect(phone).to_have_accessible_description(re.compile("Skriv et telefonnummer"))
    await expect(name).to_have_accessible_description(re.compile("Skriv navnet ditt"))
    await name.fill("Per Profil")
    await visitor.check("profile phone refused")
    await phone.fill("+47 912 34 567")
    await page.get_by_label("Engelsk").check()
    await page.get_by_role("button", name="Lagre profil").click()
    await expect(page.get_by_role("status")).to_contain_text("Profilen din er lagret.")
    saved = await me(stack, member["id"])
    assert saved["phone"] == "+4791234567" and saved["languages"] == ["nb", "en"]


async def test_a_member_sets_channels_quiet_hours_and_language(stack: Stack, open_visitor: Any) -> None:
    member, visitor = await member_signed_in(stack, open_visitor, "Vera Varsel")
    page, portal = visitor.page, stack.urls["portal"]
    await visitor.goto(f"{portal}/innstillinger/varsler")  # where the mails link to
    await expect(page.get_by_role("heading", name="Varsler", level=1)).to_be_visible()
    await visitor.check("notifications")
    offers = page.get_by_role("group", name="Tilbud om besøk")
    await expect(offers.get_by_label("E-post")).to_be_checked()
    await offers.get_by_label("SMS").check()
    await offers.get_by_label("E-post").uncheck()
    await page.get_by_label("Fra", exact=True).fill("22:00")
    await page.get_by_label("Til", exact=True).fill("07:00")
    await page.get_by_role("group", name="Språk i e-post og SMS").get_by_label("Nynorsk").check()
    await page.get_by_role("button", name="Lagre varslingsinnstillinger").click()
    await expect(page.get_by_role("status")).to_contain_text("Varslingsinnstillingene dine er lagret.")
    await visitor.check("notifications saved")

    saved = await preferences(stack, member["id"])
    assert saved["channels"]["visit_offered"] == ["sms", "inbox"]
    assert saved["channels"]["gathering_invitation"] == ["email", "inbox"]
    assert saved["quiet_hours"]["start"].startswith("22:00") and saved["quiet_hours"]["end"].startswith("07:00")
    assert saved["language"] == "nn"
    await visitor.goto(f"{portal}/innstillingar/varsel")
    await expect(page.get_by_role("group", name="Tilbud om besøk").get_by_label("SMS")).to_be_checked()

    await page.get_by_role("navigation", name="Språk").get_by_role("link", name="Nynorsk").click()
    await expect(page.get_by_role("heading", name="Varsel", level=1)).to_be_visible()
    await expect(page.get_by_role("group", name="Tilbod om besøk").get_by_label("SMS")).to_be_checked()
    await visitor.check("notifications in nynorsk")


async def feed(url: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as client:
        return await client.get(url)


async def test_a_member_makes_rotates_and_turns_off_their_calendar_link(stack: Stack, open_visitor: Any) -> None:
    _, visitor = await member_signed_in(stack, open_visitor, "Kai Kalender")
    page, portal = visitor.page, stack.urls["portal"]
    await visitor.goto(f"{portal}/settings/notifications")
    await page.get_by_role("link", name="Kalenderlenken din").click()
    await expect(page.get_by_role("heading", name="Kalenderlenken din", level=1)).to_be_visible()
    await expect(page.get_by_text("Du har ingen kalenderlenke.")).to_be_visible()
    await visitor.check("calendar")

    await page.get_by_role("button", name="Lag kalenderlenken min").click()
    address = page.get_by_label("Nettadressen til kalenderen")
    first = await address.input_value()
    webcal = await page.get_by_role("link", name="Abonner i kalenderen min").get_attribute("href")
    assert webcal == "webcal://" + first.split("://", 1)[1]
    answer = await feed(first)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/calendar")
    await visitor.check("calendar link made")

    await visitor.goto(f"{portal}/innstillinger/kalender")  # the mails' address for the same page
    await expect(page.get_by_text("Du har hatt en kalenderlenke siden")).to_be_visible()
    await page.get_by_role("button", name="Lag ny lenke").click()
    await expect(page.get_by_text("Den gamle lenken slutter å virke med en gang.")).to_be_visible()
    await visitor.check("calendar rotate confirmation")
    assert (await feed(first)).status_code == 200  # asking is not yet rotating
    await page.get_by_role("button", name="Ja, lag ny lenke").click()
    second = await address.input_value()
    assert second != first
    assert (await feed(first)).status_code in (404, 410)
    answer = await feed(second)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/calendar")
    await visitor.check("calendar link rotated")

    await visitor.goto(f"{portal}/settings/calendar")
    await page.get_by_role("button", name="Slå av kalenderlenken").click()
    await page.get_by_role("button", name="Ja, slå den av").click()
    await expect(page.get_by_role("status")).to_contain_text("Kalenderlenken din er slått av.")
    await expect(page.get_by_text("Du har ingen kalenderlenke.")).to_be_visible()
    assert (await feed(second)).status_code in (404, 410)
    await visitor.check("calendar link turned off")


async def test_someone_not_signed_in_is_sent_to_sign_in(stack: Stack) -> None:
    portal = stack.urls["portal"]
    async with httpx.AsyncClient(base_url=portal, timeout=30) as browser:
        for path in ("/me/availability", "/me/profile", "/settings/notifications", "/innstillingar/varsel",
                     "/settings/calendar", "/innstillinger/kalender"):  # fmt: skip
            answer = await browser.get(path)
            assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next="), path
        answer = await browser.post("/settings/calendar/rotate", data={"csrf_token": "x"})
        assert answer.status_code in (303, 403)


async def test_the_sign_in_pages_in_designsystemet_are_accessible_on_a_phone(stack: Stack, open_visitor: Any) -> None:
    await keys_settled(stack)
    member = await register_member(stack, name="Siri Innlogging", profession="nurse", kommunenummer="0301")
    visitor = await open_visitor("phone")
    page, portal = visitor.page, stack.urls["portal"]
    await visitor.goto(f"{portal}/login")
    await expect(page.get_by_role("heading", name="Logg inn", level=1)).to_be_visible()
    await visitor.check("sign in")
    await page.get_by_role("button", name="Send meg en innloggingslenke").click()
    email = page.get_by_label("E-postadresse")
    summary = page.get_by_role("alert")
    await expect(summary.get_by_role("link", name=re.compile("Skriv inn en e-postadresse"))).to_be_visible()
    await expect(email).to_have_attribute("aria-invalid", "true")
    await visitor.check("sign in refused")
    await sign_in_by_mail(stack, visitor, member["email"])  # the same form, then the mailed link's page
    await visitor.goto(f"{portal}/login")
    await email.fill("ukjent@example.no")
    await page.get_by_role("button", name="Send meg en innloggingslenke").click()
    await expect(page.get_by_role("heading", name="Sjekk e-posten din", level=1)).to_be_visible()
    await visitor.check("sign in sent")
