"""A school's contact on a desktop books a visit and manages the school's API clients in the web app, on the running
system: invited by a national organiser, signed in by the mail link, the booking form filled in from what booking
knows of the school, two windows, a double click and a resent form booking once, a bad window refused beside it, the
whole form by keyboard alone, and an API client made, used with its shown secret and revoked. Every state is checked
with axe-core."""

import re
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import httpx
from flows_kit import Stack, book_visit, eventually, random_orgnr, unique_email
from playwright.async_api import Page, expect
from web_kit import Visitor, sign_in_by_mail

TROMSO = "5501"
OSLO = ZoneInfo("Europe/Oslo")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def school_contact(stack: Stack, open_visitor: Any, *, booked_before: bool) -> tuple[str, Visitor]:
    """A national organiser invites a contact for a new school (which booked once through the API before, if
    `booked_before`); the contact signs in on a desktop by the mail link."""
    orgnr, email = random_orgnr(), unique_email("kontakt")
    invited = await stack.client("portal").post(f"/v1/schools/{orgnr}/contacts", json={"email": email},
                                                headers=stack.auth("organiser"))  # fmt: skip
    assert invited.status_code == 201, invited.text
    if booked_before:
        await book_visit(stack, orgnr, kommunenummer=TROMSO, professions=["nurse"])
    visitor = await open_visitor("desktop")
    await sign_in_by_mail(stack, visitor, email)
    return orgnr, visitor


async def open_booking_form(stack: Stack, visitor: Visitor, orgnr: str) -> None:
    """Open the booking form, filled in from the school's earlier visit (in the stack's first seconds booking may
    not know the portal's signing key yet, and the form is then shown empty: opened again until it is filled in)."""

    async def filled_in() -> bool:
        await visitor.goto(f"{stack.urls['portal']}/school/book")
        return await visitor.page.get_by_label("Skolens navn").input_value() == f"Skole {orgnr[-4:]}"

    await eventually(filled_in, timeout=30, interval=2)


async def visits_of(stack: Stack, orgnr: str) -> int:
    """How many visits booking lists for the school."""
    listed = await stack.client("booking").get("/v1/visit-requests", params={"limit": 1},
                                               headers=stack.auth("school", orgnr))  # fmt: skip
    assert listed.status_code == 200, listed.text
    return int(listed.json()["total"])


def weekdays_ahead(count: int, days_ahead: int = 12) -> list[date]:
    """`count` weekdays at least `days_ahead` days from today (Oslo)."""
    day, found = datetime.now(OSLO).date() + timedelta(days=days_ahead), []
    while len(found) < count:
        if day.weekday() < 5:
            found.append(day)
        day += timedelta(days=1)
    return found


def day_like_month() -> date:
    """The next day (a week ahead at least) whose day of the month is its month's number, like 12 December."""
    day = datetime.now(OSLO).date() + timedelta(days=7)
    while day.day != day.month:
        day += timedelta(days=1)
    return day


def time_row(page: Page, n: int) -> Any:
    """The n-th window row (a group named "Tidspunkt n")."""
    return page.get_by_role("group", name=f"Tidspunkt {n}", exact=True)


async def test_a_school_contact_books_a_visit_with_two_windows_once_and_sees_a_bad_window_refused(
    stack: Stack, open_visitor: Any
) -> None:
    orgnr, visitor = await school_contact(stack, open_visitor, booked_before=True)
    page, portal = visitor.page, stack.urls["portal"]
    await open_booking_form(stack, visitor, orgnr)
    await expect(page.get_by_role("heading", name="Bestill besøk", level=1)).to_be_visible()
    await expect(page.get_by_text(orgnr)).to_be_visible()
    await expect(page.get_by_label("Kommune", exact=True)).to_have_value(TROMSO)
    await expect(page.get_by_label("Ditt navn")).to_have_value("Rådgiver Rita")
    await visitor.check("school book form")

    first, second = weekdays_ahead(2)
    await page.get_by_label("Antall elever").fill("55")
    await page.get_by_label("Sykepleier").check()
    await page.get_by_label("Helsefagarbeider").check()
    row = time_row(page, 1)
    await expect(row.get_by_label("Dato")).to_have_attribute("min", re.compile(r"\d{4}-\d{2}-\d{2}"))
    await expect(row.get_by_label("Fra")).to_have_attribute("min", "08:00")
    await row.get_by_label("Dato").fill(first.isoformat())
    await row.get_by_label("Fra").fill("09:00")
    await row.get_by_label("Til").fill("11:00")
    await page.get_by_role("button", name="Legg til et tidspunkt til").click()
    await expect(time_row(page, 2)).to_be_visible()
    await expect(time_row(page, 1).get_by_label("Dato")).to_have_value(first.isoformat())  # kept
    await expect(page.get_by_role("status")).to_have_text("Tidspunkt 2 er lagt til.")
    await visitor.check("school book form two times")
    row = time_row(page, 2)
    await row.get_by_label("Dato").fill(second.isoformat())
    await row.get_by_label("Fra").fill("12:00")
    await row.get_by_label("Til").fill("14:00")
    sent: list[tuple[str, str]] = await page.locator("#book-form").evaluate(
        "form => Array.from(new FormData(form).entries())"
    )

    before = await visits_of(stack, orgnr)
    await page.get_by_role("button", name="Send forespørselen").dblclick()  # a double click
    await expect(page).to_have_url(re.compile(r"/school/book/done/[^/]+$"))
    await expect(page.get_by_role("heading", name="Vi har fått forespørselen")).to_be_visible()
    await expect(page.get_by_role("definition").get_by_role("listitem")).to_have_count(2)  # the two times
    await visitor.check("school book done")
    visit_id = page.url.rsplit("/", 1)[1]
    await expect(page.get_by_role("link", name="Følg dette besøket")).to_have_attribute(
        "href", f"/school/visits/{visit_id}"
    )

    again = urlencode([(name, value) for name, value in sent])  # the same form sent again, as a reload of the POST
    resent = await visitor.context.request.post(f"{portal}/school/book", data=again, headers=FORM | {"Origin": portal})
    assert resent.ok and resent.url.endswith(f"/school/book/done/{visit_id}"), (resent.status, resent.url)
    assert await visits_of(stack, orgnr) == before + 1  # booked once
    booked = await stack.client("booking").get(f"/v1/visit-requests/{visit_id}", headers=stack.auth("school", orgnr))
    assert booked.status_code == 200 and len(booked.json()["windows"]) == 2, booked.text
    assert booked.json()["professions"] == ["nurse", "health_worker"] and booked.json()["audience"]["pupils"] == 55

    await visitor.goto(f"{portal}/school/book")  # a bad window: it ends before it starts
    await page.get_by_label("Antall elever").fill("20")
    await page.get_by_label("Sykepleier").check()
    row = time_row(page, 1)
    await row.get_by_label("Dato").fill(first.isoformat())
    await row.get_by_label("Fra").fill("12:00")
    await row.get_by_label("Til").fill("11:00")
    await page.get_by_role("button", name="Send forespørselen").click()
    summary = page.get_by_role("heading", name="Sjekk dette før du går videre")
    await expect(summary).to_be_visible()
    focused = await page.evaluate("() => document.activeElement.textContent")
    assert "Sjekk dette før du går videre" in focused, focused  # the summary has the focus
    await expect(page.get_by_role("link", name="Slutt på tidspunkt 1: Slutten må være etter starten.")).to_be_visible()
    end = time_row(page, 1).get_by_label("Til")
    await expect(end).to_have_attribute("aria-invalid", "true")
    await expect(end).to_have_accessible_description("Slutten må være etter starten.")
    await expect(end).to_have_value("11:00")  # what was typed stays
    await visitor.check("school book refused window")
    hostile = dict(sent) | {"school-name": "Skole\x00", "windows-0-day": "9999-12-31", "audience-pupils": "9" * 40,
                            "idempotency_key": "x" * 300, "notes": "ø" * 5000}  # fmt: skip
    refused = await visitor.context.request.post(f"{portal}/school/book", data=urlencode(hostile),
                                                 headers=FORM | {"Origin": portal})  # fmt: skip
    assert refused.status == 422, refused.status  # said on the page, never a 500
    assert await visits_of(stack, orgnr) == before + 1

    await page.get_by_role("link", name="Nynorsk").click()  # the language, once
    await expect(page.get_by_role("group", name="Når kan de ha besøket?")).to_be_visible()
    await expect(page.get_by_label("Namnet på skulen")).to_be_visible()
    await expect(page.get_by_label("Skulebesøk")).to_be_checked()  # the options too
    await visitor.check("school book form nynorsk")
    await page.set_viewport_size({"width": 390, "height": 844})  # it works on a phone too
    await expect(time_row(page, 1).get_by_label("Dato")).to_be_visible()
    await visitor.check("school book form on a narrow screen")


async def tab_to(page: Page, name: str, *, limit: int = 80) -> None:
    """Press Tab until the focused control is the one labelled (or named) `name`."""
    for _ in range(limit):
        focused = await page.evaluate(
            "() => { const e = document.activeElement; if (!e) return '';"
            " return ((e.labels && e.labels[0]) ? e.labels[0].textContent : e.textContent || '').trim(); }"
        )
        if focused == name:
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {name!r}")


async def test_the_booking_form_works_by_keyboard_alone(stack: Stack, open_visitor: Any) -> None:
    orgnr, visitor = await school_contact(stack, open_visitor, booked_before=True)
    page, keyboard = visitor.page, visitor.page.keyboard
    await open_booking_form(stack, visitor, orgnr)
    before = await visits_of(stack, orgnr)
    day = day_like_month()  # typed the same whether the browser shows dd.mm.yyyy or mm/dd/yyyy
    typed = day.strftime("%d%m%Y")

    await tab_to(page, "Antall elever")
    await keyboard.type("30")
    await tab_to(page, "Helsefagarbeider")
    await keyboard.press("Space")
    await tab_to(page, "Dato")
    await keyboard.type(typed)
    await tab_to(page, "Fra")
    await keyboard.type("0900A")  # "A" is AM where the browser shows 12-hour times, nothing where it shows 24
    await tab_to(page, "Til")
    await keyboard.type("1000A")
    await tab_to(page, "Legg til et tidspunkt til")
    await keyboard.press("Enter")
    await expect(time_row(page, 2).get_by_label("Dato")).to_be_focused()  # focus moves to the new row
    await keyboard.type(typed)
    await tab_to(page, "Fra")
    await keyboard.type("1030A")
    await tab_to(page, "Til")
    await keyboard.type("1130A")
    await visitor.check("school book form by keyboard")
    await tab_to(page, "Send forespørselen")
    await keyboard.press("Enter")

    await expect(page.get_by_role("heading", name="Vi har fått forespørselen")).to_be_visible()
    assert await visits_of(stack, orgnr) == before + 1
    visit_id = page.url.rsplit("/", 1)[1]
    booked = await stack.client("booking").get(f"/v1/visit-requests/{visit_id}", headers=stack.auth("school", orgnr))
    shown = booked.json()
    assert shown["professions"] == ["health_worker"] and shown["audience"]["pupils"] == 30, shown
    starts = sorted(w["start"][:16] for w in shown["windows"])
    assert starts == [f"{day.isoformat()}T09:00", f"{day.isoformat()}T10:30"], starts


async def test_a_school_contact_makes_an_api_client_uses_its_secret_and_revokes_it(
    stack: Stack, open_visitor: Any
) -> None:
    orgnr, visitor = await school_contact(stack, open_visitor, booked_before=False)
    page, portal = visitor.page, stack.urls["portal"]
    await visitor.goto(f"{portal}/school/systems")
    await expect(page.get_by_role("heading", name="Våre systemer", level=1)).to_be_visible()
    await expect(page.get_by_text("Skolen deres har ingen API-klienter i bruk.")).to_be_visible()
    await visitor.check("school systems empty")

    await page.get_by_role("button", name="Lag klienten").click()  # no name: refused beside the field
    await expect(page.get_by_label("Navn på systemet")).to_have_attribute("aria-invalid", "true")
    await visitor.check("school systems no name")
    await page.get_by_label("Navn på systemet").fill("Timeplansystem")
    making = page.get_by_role("form", name="Lag en ny API-klient")
    sent: list[list[str]] = await making.evaluate("form => Array.from(new FormData(form).entries())")
    await page.get_by_role("button", name="Lag klienten").click()
    await expect(page.get_by_role("heading", name="Den nye API-klienten deres")).to_be_visible()
    await visitor.check("school systems created")
    example = await page.get_by_role("figure", name="Eksempel: hent et token").inner_text()
    found = re.search(r"-u '([^:']+):([^']+)'.*?(http\S+/oauth/token)", example, re.S)
    assert found, example
    client_id, secret, token_url = found.groups()
    assert token_url == f"{portal}/oauth/token"
    booking_example = await page.get_by_role("figure", name="Eksempel: bestill et besøk").inner_text()
    assert f"{stack.urls['booking']}/v1/visit-requests" in booking_example

    again = await visitor.context.request.post(f"{portal}/school/systems", data=urlencode([(k, v) for k, v in sent]),
                                               headers=FORM | {"Origin": portal})  # fmt: skip  # a reload
    assert again.status == 200 and "oc_" not in (await again.text()).replace(client_id, ""), again.status
    assert "for et øyeblikk siden" in await again.text()  # no second client, no second secret

    async with httpx.AsyncClient(timeout=10) as http:  # what the curl example does
        issued = await http.post(token_url, data={"grant_type": "client_credentials"}, auth=(client_id, secret))
        assert issued.status_code == 200, issued.text
        token = issued.json()["access_token"]

        async def read_visits() -> httpx.Response:  # booking fetches the portal's keys once it sees a new one
            listed = await http.get(f"{stack.urls['booking']}/v1/visit-requests",
                                    headers={"Authorization": f"Bearer {token}"})  # fmt: skip
            assert listed.status_code == 200, listed.text
            return listed

        listed = await eventually(read_visits, timeout=30, interval=2)
        assert listed.json()["total"] == 0, listed.text

        await page.get_by_role("link", name="Tilbake til våre systemer").click()
        await expect(page.get_by_role("cell", name=client_id)).to_be_visible()
        await expect(page.get_by_role("cell", name=re.compile(r"^oc_"))).to_have_count(1)  # made once
        await expect(page.get_by_text(secret)).to_have_count(0)  # the secret was shown once
        await visitor.check("school systems one client")
        await page.get_by_role("link", name="Trekk tilbake Timeplansystem").click()
        await expect(page.get_by_role("heading", name="Trekke tilbake Timeplansystem?")).to_be_visible()
        await visitor.check("school systems revoke confirm")
        await page.get_by_role("button", name="Ja, trekk den tilbake").click()
        await expect(page.get_by_role("status")).to_have_text("Klienten er trukket tilbake.")
        await expect(page.get_by_role("heading", name="Tilbaketrukne API-klienter")).to_be_visible()
        await visitor.check("school systems revoked")

        refused = await http.post(token_url, data={"grant_type": "client_credentials"}, auth=(client_id, secret))
        assert refused.status_code == 401 and refused.json()["error"] == "invalid_client", refused.text
