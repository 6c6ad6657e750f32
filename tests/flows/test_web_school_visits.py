"""A school's contact follows the school's visits in the web app on a desktop, on the running system: signs in by
the mail link, sees a visit confirmed with the team's first names, downloads its calendar file, gives it new times
(booking's refusal shown beside the field first) and sees the new time once the team says yes again, cancels another
visit with a reason, rates a visit that has just ended (from the mail's link), makes the school's calendar feed, and
rates a completed visit through the feedback mail's link without signing in. Every page and state is checked with
axe-core (WCAG 2.1 AA)."""

import asyncio
import re
from datetime import date, datetime, timedelta
from typing import Any

import pytest
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
    seconds_until,
    soon_window,
    visit_in_status,
)
from icalendar import Calendar
from playwright.async_api import expect
from web_kit import Visitor, sign_in_by_mail

from portal.i18n import speaking, when

HARSTAD, SUNNFJORD, KRISTIANSUND = "5503", "4647", "1505"
"""Each visit's own municipality, far apart, so each member is offered only the visits meant for her."""
FEEDBACK_LINK = re.compile(r"https?://\S+/feedback/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}")


async def confirmed_by(stack: Stack, member: dict[str, Any], visit_id: str) -> None:
    """The member accepts her offer for the visit."""
    offer = await eventually(lambda: open_offer(stack, member["id"], visit_id))
    await answer(stack, member["id"], offer["id"], "accept")


async def reported(stack: Stack, member: dict[str, Any], visit_id: str, window: dict[str, str]) -> None:
    """The member reports the visit once it has started (booking refuses before): it is completed."""
    url, headers = f"/v1/visit-requests/{visit_id}/report", stack.auth("member", member["id"])

    async def report() -> bool:
        response = await stack.client("booking").post(url, json={"pupils_reached": 50}, headers=headers)
        assert response.status_code == 200, response.text
        return True

    await eventually(report, timeout=seconds_until(window) + 120, interval=2)


async def feedback_link(stack: Stack, address: str) -> str:
    """The feedback link of the thank-you mail to `address`."""

    async def found() -> str | None:
        links = {link for m in await stack.mails_to(address) for link in FEEDBACK_LINK.findall(m.get("text", ""))}
        return next(iter(links), None)

    return await eventually(found, timeout=150, interval=1)


def in_nb(start: str, end: str) -> str:
    """A window as the pages write it in Bokmål."""
    with speaking("nb"):
        return f"{when(datetime.fromisoformat(start))}–{datetime.fromisoformat(end).astimezone(OSLO):%H:%M}"


async def submit(visitor: Visitor, name: str) -> None:
    await visitor.page.get_by_role("button", name=name).click()
    await visitor.page.wait_for_load_state("load")


@pytest.mark.timeout(600)  # near midnight in Oslo the soon visits start just after it: minutes later
async def test_a_school_contact_follows_cancels_reschedules_and_rates_its_visits(stack: Stack, open_visitor) -> None:
    portal = stack.urls["portal"]
    orgnr = random_orgnr()
    tone = await register_member(stack, name="Tone Harstad", profession="nurse", kommunenummer=HARSTAD)
    unni = await register_member(stack, name="Unni Sunnfjord", profession="nurse", kommunenummer=SUNNFJORD)
    sigrid = await register_member(stack, name="Sigrid Kristiansund", profession="nurse", kommunenummer=KRISTIANSUND)
    # Two visits that take place within two minutes (the flow stack allows any time): one to rate signed in, one to
    # be reported by its team, which mails the school its feedback link.
    soon = soon_window(start_in_seconds=50, minutes=1)
    just_ended, reported_one = await asyncio.gather(*(
        book_visit(stack, orgnr, kommunenummer=k, professions=["nurse"], team_size=1, windows=[soon])
        for k in (HARSTAD, SUNNFJORD)
    ))  # fmt: skip
    await asyncio.gather(confirmed_by(stack, tone, just_ended["id"]), confirmed_by(stack, unni, reported_one["id"]))
    moved = await book_visit(stack, orgnr, kommunenummer=KRISTIANSUND, professions=["nurse"], team_size=1,
                             windows=[next_weekday_window(days_ahead=10)])  # fmt: skip
    await confirmed_by(stack, sigrid, moved["id"])
    first = await visit_in_status(stack, moved["id"], orgnr, "confirmed")
    to_cancel = await book_visit(stack, orgnr, kommunenummer=KRISTIANSUND, professions=["nurse"], team_size=1,
                                 windows=[next_weekday_window(days_ahead=12)])  # fmt: skip
    completing = asyncio.create_task(reported(stack, unni, reported_one["id"], soon))

    contact = moved["contact_email"]
    invited = await stack.client("portal").post(f"/v1/schools/{orgnr}/contacts", json={"email": contact},
                                                headers=stack.auth("organiser"))  # fmt: skip
    assert invited.status_code == 201, invited.text
    school = await open_visitor("desktop")
    await sign_in_by_mail(stack, school, contact)
    page = school.page

    # Our visits: newest first, each with its status; the confirmed one with its team's first name.
    await school.goto(f"{portal}/school")
    await expect(page.get_by_role("heading", name="Våre besøk", exact=True)).to_be_visible()
    rows = page.get_by_role("row")
    await expect(rows).to_have_count(5)  # the header and four visits
    confirmed_row = page.get_by_role("row").filter(has_text="Sigrid")
    await expect(confirmed_row).to_have_count(1)
    await expect(confirmed_row).to_contain_text("Bekreftet")
    newest = page.get_by_role("row").nth(1).get_by_role("link")
    await expect(newest).to_have_attribute("href", f"/school/visits/{to_cancel['id']}")
    await school.check("school visits")

    # The confirmed visit: its time, its team, and its calendar file.
    await confirmed_row.get_by_role("link").click()
    await expect(page.get_by_role("heading", name=re.compile("Skolebesøk"))).to_be_visible()
    await expect(page.get_by_text("Teamet:")).to_be_visible()
    await expect(page.get_by_role("main")).to_contain_text("Sigrid")
    await expect(page.get_by_role("main")).to_contain_text(in_nb(**first["scheduled"]))
    await school.check("school visit confirmed")
    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="Last ned til kalenderen (.ics)").click()
    download = await downloading.value
    calendar = Calendar.from_ical(open(await download.path(), "rb").read())  # noqa: ASYNC230, PTH123
    (event,) = calendar.events
    assert str(calendar["METHOD"]) == "PUBLISH" and str(event["STATUS"]) == "CONFIRMED"
    assert str(event["UID"]) == f"visit-{moved['id']}@outreach.jobbvinner.no"
    assert event.decoded("DTSTART") == datetime.fromisoformat(first["scheduled"]["start"])

    # New times: booking's refusal beside the field first (beyond its horizon), then a time it takes.
    await page.get_by_role("link", name="Gi nye tidspunkter").click()
    await expect(page.get_by_role("heading", name="Gi nye tidspunkter")).to_be_visible()
    await school.check("school visit reschedule")
    await submit(school, "Send de nye tidspunktene")
    await expect(page.get_by_role("heading", name="Sjekk dette før du går videre")).to_be_visible()
    await expect(page.get_by_role("link", name="Gi minst ett nytt tidspunkt.")).to_be_visible()
    far = date.today() + timedelta(days=800)
    await page.get_by_label("Dato").first.fill(far.isoformat())
    await page.get_by_label("Fra").first.fill("10:00")
    await page.get_by_label("Til").first.fill("12:00")
    await submit(school, "Send de nye tidspunktene")
    error = page.locator("#window-0-start-error, #window-0-end-error, #window-0-date-error").first
    await expect(error).to_contain_text("høyst 548 dager fra i dag")
    await expect(page.get_by_label("Fra").first).to_have_attribute("aria-invalid", "true")
    await school.check("school visit reschedule refused")
    later = next_weekday_window(days_ahead=17, hour=10, hours=2)
    await page.get_by_label("Dato").first.fill(later["start"][:10])
    await submit(school, "Send de nye tidspunktene")
    await expect(page.get_by_role("status")).to_contain_text("De nye tidspunktene er sendt")
    await expect(page.get_by_role("main")).to_contain_text("Bestilt")
    await confirmed_by(stack, sigrid, moved["id"])
    again = await visit_in_status(stack, moved["id"], orgnr, "confirmed")
    assert again["scheduled"]["start"][:10] == later["start"][:10]
    await school.goto(f"{portal}/school/visits/{moved['id']}")
    await expect(page.get_by_role("main")).to_contain_text(in_nb(**again["scheduled"]))
    await expect(page.get_by_role("main")).to_contain_text("Bekreftet")
    await school.check("school visit confirmed again")

    # Cancel another visit: the reason is asked for, then it is cancelled.
    await school.goto(f"{portal}/school/visits/{to_cancel['id']}")
    await page.get_by_role("link", name="Avlys besøket").click()
    await expect(page.get_by_role("heading", name="Avlyse besøket?")).to_be_visible()
    await school.check("school visit cancel")
    await submit(school, "Ja, avlys besøket")
    await expect(page.get_by_role("link", name="Skriv hvorfor besøket blir avlyst.")).to_be_visible()
    await school.check("school visit cancel without reason")
    await page.get_by_label("Hvorfor blir besøket avlyst?").fill("Eksamen er flyttet til samme dag")
    await submit(school, "Ja, avlys besøket")
    await expect(page.get_by_role("status")).to_contain_text("Besøket er avlyst.")
    await expect(page.get_by_role("main")).to_contain_text("Eksamen er flyttet til samme dag")
    await expect(page.get_by_role("link", name="Avlys besøket")).to_have_count(0)
    await school.check("school visit cancelled")
    await visit_in_status(stack, to_cancel["id"], orgnr, "cancelled")

    # The visit that has just ended: rated from the thank-you mail's link, once.
    ended_at = datetime.fromisoformat((await visit_in_status(stack, just_ended["id"], orgnr, "confirmed"))
                                      ["scheduled"]["end"])  # fmt: skip
    await asyncio.sleep(max(0.0, (ended_at - datetime.now(OSLO)).total_seconds() + 2))
    await school.goto(f"{portal}/besok/{just_ended['id']}/vurdering")
    await expect(page.get_by_role("heading", name="Gi besøket en vurdering")).to_be_visible()
    await expect(page.get_by_role("main")).to_contain_text("Tone")
    await school.check("school visit rating")
    await submit(school, "Send vurderingen")
    await expect(page.get_by_role("link", name="Velg en vurdering fra 1 til 5.")).to_be_visible()
    await school.check("school visit rating without a choice")
    await page.get_by_label("4 – bra").check()
    await page.get_by_label("Kommentar (valgfritt)").fill("Elevene stilte mange spørsmål")
    await submit(school, "Send vurderingen")
    await expect(page.get_by_role("status")).to_contain_text("Takk for vurderingen!")
    await expect(page.get_by_role("main")).to_contain_text("4 av 5")
    await school.check("school visit rated")
    await school.goto(f"{portal}/visits/{just_ended['id']}/rating")
    await expect(page.get_by_text("Dere har gitt besøket vurderingen 4 av 5")).to_be_visible()
    rated = await visit_in_status(stack, just_ended["id"], orgnr, "confirmed")
    assert (rated["rating"]["rating"], rated["rating"]["comment"]) == (4, "Elevene stilte mange spørsmål")

    # The school's calendar feed: its address shown once, when made.
    await school.goto(f"{portal}/school")
    await page.get_by_role("link", name="Kalenderstrømmen vår").click()
    await expect(page.get_by_text("Skolen har ingen kalenderstrøm ennå.")).to_be_visible()
    await school.check("school calendar feed")
    await submit(school, "Lag en kalenderstrøm")
    address = await page.get_by_label("Adressen").input_value()
    assert re.fullmatch(r"https?://\S+/v1/calendar/[A-Za-z0-9_-]+\.ics", address), address
    await expect(page.get_by_role("link", name="Abonner i kalenderen din")).to_have_attribute(
        "href", re.compile("^webcal://")
    )
    await school.check("school calendar feed made")

    # One switch of language, on the list.
    await school.goto(f"{portal}/school")
    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", name="Our visits", exact=True)).to_be_visible()
    await expect(page.get_by_role("row").filter(has_text="Sigrid")).to_contain_text("Confirmed")
    await school.check("school visits in English")

    # The list works on a phone too.
    phone = await open_visitor("phone")
    await sign_in_by_mail(stack, phone, contact)
    await phone.goto(f"{portal}/school")
    await expect(phone.page.get_by_role("row").filter(has_text="Sigrid")).to_contain_text("Bekreftet")
    await phone.check("school visits")

    # The feedback mail's link, without signing in: what is rated, a rating, and the link used up.
    await completing
    link = await feedback_link(stack, reported_one["contact_email"])
    stranger = await open_visitor("desktop")
    await stranger.goto(link.replace(link.split("/")[2], portal.split("/")[2]))
    await expect(stranger.page.get_by_role("heading", name="Hvordan gikk besøket?")).to_be_visible()
    await expect(stranger.page.get_by_role("main")).to_contain_text("Sykepleier")
    await stranger.check("feedback link")
    await submit(stranger, "Send vurderingen")
    await expect(stranger.page.get_by_role("link", name="Velg en vurdering fra 1 til 5.")).to_be_visible()
    await stranger.check("feedback link without a choice")
    await stranger.page.get_by_label("5 – utmerket").check()
    await submit(stranger, "Send vurderingen")
    await expect(stranger.page.get_by_role("heading", name="Takk for vurderingen!")).to_be_visible()
    await expect(stranger.page.get_by_role("main")).to_contain_text("5 av 5")
    await stranger.check("feedback link answered")
    shown = await stack.client("booking").get(f"/v1/visit-requests/{reported_one['id']}",
                                              headers=stack.auth("school", orgnr))  # fmt: skip
    assert shown.json()["rating"]["rating"] == 5
    await stranger.goto(link.replace(link.split("/")[2], portal.split("/")[2])[:-4] + "AAAA")
    await expect(stranger.page.get_by_role("heading", name="Vi fant ikke denne lenken")).to_be_visible()
    await stranger.check("feedback link not genuine")
