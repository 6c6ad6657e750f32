"""A member on a phone, on the running system: signs in by the mail link, sees the offer on the home page (and
marks its message read), opens it from the link in the offer's mail, accepts, finds the visit under My visits and
withdraws from it with a reason, then reads the page in Nynorsk and English. Then, at a desktop in English, an offer
accepted with the keyboard alone and another declined with a reason; and a report of the pupils reached once a
visit has started. axe-core checks every page and state."""

import re
from urllib.parse import urlsplit

import pytest
from flows_kit import (
    Stack,
    answer,
    book_visit,
    eventually,
    inbox_has,
    next_weekday_window,
    open_offer,
    random_orgnr,
    register_member,
    seconds_until,
    soon_window,
    visit_in_status,
)
from playwright.async_api import expect
from web_kit import Visitor, sign_in_by_mail

VARDO = "5634"  # nobody else on the flows' rosters lives within reach
ROST = "1856"
TRAENA = "1835"
SUMMARY = "Sjekk dette før du går videre"
OFFER_LINK = re.compile(r"https?://[^\s/]+/(?:tilbud|tilbod|offers)/([0-9a-f-]{36})")


async def offered(stack: Stack, members: list[dict], visit_id: str) -> list[dict]:
    """The open offer of each member for the visit, once every one has one."""

    async def each() -> list[dict] | None:
        offers = [await open_offer(stack, m["id"], visit_id) for m in members]
        return offers if all(offers) else None

    return await eventually(each)


async def mailed_offer_link(stack: Stack, email: str, offer_id: str) -> str:
    """The link to the offer in the offer's mail, pointed at the portal the flows launched."""

    async def found() -> str | None:
        for mail in await stack.mails_to(email):
            for match in OFFER_LINK.finditer(mail.get("text", "")):
                if match.group(1) == offer_id:
                    return match.group(0)
        return None

    link = await eventually(found)
    return link.replace(urlsplit(link).netloc, urlsplit(stack.urls["portal"]).netloc)


async def test_a_member_accepts_an_offer_from_its_mail_on_a_phone_then_withdraws(stack: Stack, open_visitor) -> None:
    kari = await register_member(stack, name="Kari Vardø", profession="nurse", kommunenummer=VARDO)
    per = await register_member(stack, name="Per Vardø", profession="nurse", kommunenummer=VARDO)
    orgnr = random_orgnr()
    booked = await book_visit(stack, orgnr, kommunenummer=VARDO, professions=["nurse"], team_size=2,
                              windows=[next_weekday_window(days_ahead=12)])  # fmt: skip
    kari_offer, per_offer = await offered(stack, [kari, per], booked["id"])
    await answer(stack, per["id"], per_offer["id"], "accept")
    school = kari_offer["school_name"]

    visitor: Visitor = await open_visitor("phone")
    await sign_in_by_mail(stack, visitor, kari["email"])
    page = visitor.page
    await expect(page).to_have_url(re.compile(r"/me$"))  # "/" takes a member home
    await expect(page.get_by_role("heading", name="Tilbud", exact=True)).to_be_visible()
    offer_card = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=school, exact=True))
    await expect(offer_card).to_contain_text("Per (sykepleier)")  # who else is on the team
    await expect(offer_card).to_contain_text("i kommunen din")
    await expect(offer_card.get_by_role("link", name="Se tilbudet og svar")).to_be_visible()
    await expect(page.get_by_role("heading", name="Meldinger")).to_be_visible()
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    await visitor.check("member home with an offer")

    link = await mailed_offer_link(stack, kari["email"], kari_offer["id"])
    await inbox_has(stack, kari["id"], "visit_offered")
    await page.reload()
    notice = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=re.compile("Vil du bli med")))
    await notice.get_by_role("button", name="Merk som lest").click()
    await expect(page.get_by_role("status")).to_have_text("Meldingen er merket som lest.")
    await expect(notice.get_by_role("button", name="Merk som lest")).to_have_count(0)
    await expect(page.get_by_role("heading", name="Meldinger")).to_be_focused()  # the updated inbox
    await visitor.check("member home after reading a message")

    await visitor.goto(link)
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Tilbud: {school}")
    await visitor.check("member offer")
    await page.get_by_role("button", name="Ja, jeg blir med").click()
    await expect(page.get_by_role("heading", name="Du takket ja")).to_be_visible()
    await expect(page.get_by_role("status")).to_have_text("Du takket ja til besøket.")
    await expect(page.get_by_role("heading", level=1)).to_be_focused()  # htmx moved focus to the answered offer
    await expect(page.get_by_role("button", name="Ja, jeg blir med")).to_have_count(0)
    await visitor.check("member offer accepted")

    await visit_in_status(stack, booked["id"], orgnr, "confirmed")
    await page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Mine besøk").click()
    visit_card = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=school, exact=True))
    await expect(visit_card).to_contain_text("Bekreftet")
    await expect(visit_card).to_contain_text("Per (sykepleier)")
    await visitor.check("member visits")

    await visit_card.get_by_role("link", name="Trekk deg fra besøket").click()
    await expect(page.get_by_role("heading", name="Trekke deg fra besøket?")).to_be_visible()
    await visitor.check("member withdraw")
    await page.get_by_label("Hvorfor trekker du deg?").fill("   ")
    await page.get_by_role("button", name="Trekk deg fra besøket").click()
    await expect(page.get_by_role("heading", name=SUMMARY)).to_be_visible()
    await expect(page.get_by_role("link", name="Fyll ut dette")).to_be_visible()
    await expect(page.locator(".ds-error-summary")).to_be_focused()  # htmx moved focus to the error summary
    await visitor.check("member withdraw without a reason")
    await page.get_by_label("Hvorfor trekker du deg?").fill("Vakt jeg ikke får byttet")
    await page.get_by_role("button", name="Trekk deg fra besøket").click()
    await expect(page.get_by_role("status")).to_have_text("Du har trukket deg fra besøket.")
    await expect(page).to_have_url(re.compile(r"/me/visits\?done=withdrawn$"))
    await expect(page.get_by_role("heading", name=school, exact=True)).to_have_count(0)
    await visitor.check("member visits after withdrawing")

    await page.get_by_role("link", name="Nynorsk").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Besøka mine")
    await expect(page.get_by_role("heading", name="Komande")).to_be_visible()
    await visitor.check("member visits nynorsk")
    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("My visits")
    await page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Home").click()
    await expect(page.get_by_role("heading", name="Upcoming visits")).to_be_visible()
    await visitor.check("member home english")


async def test_a_member_answers_an_offer_with_the_keyboard_alone(stack: Stack, open_visitor) -> None:
    siri = await register_member(stack, name="Siri Røst", profession="health_worker", kommunenummer=ROST)
    booked = await book_visit(stack, random_orgnr(), kommunenummer=ROST, professions=["health_worker"], team_size=1,
                              windows=[next_weekday_window(days_ahead=14)])  # fmt: skip
    (offer,) = await offered(stack, [siri], booked["id"])

    visitor: Visitor = await open_visitor("desktop", locale="en-GB")
    await sign_in_by_mail(stack, visitor, siri["email"])
    page = visitor.page
    await visitor.goto(f"{stack.urls['portal']}/offers/{offer['id']}?lang=en")  # her roster language is nb
    await expect(page.get_by_role("heading", level=1)).to_have_text(f"Offer: {offer['school_name']}")
    await visitor.check("member offer english")

    async def focused() -> str:
        return str(await page.evaluate("document.activeElement && document.activeElement.textContent.trim()"))

    for _ in range(40):  # the skip link, the header, the menu, then the offer
        await page.keyboard.press("Tab")
        if await focused() == "Yes, I will join":
            break
    assert await focused() == "Yes, I will join"
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="You said yes", exact=True)).to_be_visible()
    await expect(page.get_by_role("status")).to_have_text("You said yes to the visit.")
    await visitor.check("member offer accepted english")
    assert (await open_offer(stack, siri["id"], booked["id"])) is None

    second = await book_visit(stack, random_orgnr(), kommunenummer=ROST, professions=["health_worker"], team_size=1,
                              windows=[next_weekday_window(days_ahead=20)])  # fmt: skip
    (other,) = await offered(stack, [siri], second["id"])
    await visitor.goto(f"{stack.urls['portal']}/tilbod/{other['id']}?lang=en")
    await page.get_by_label("Why not? (optional)").fill("On duty that week")
    await page.get_by_role("button", name="No, I cannot join").click()
    await expect(page.get_by_role("heading", name="You said no", exact=True)).to_be_visible()
    await expect(page.get_by_role("status")).to_have_text("You said no to the visit.")
    await visitor.check("member offer declined english")
    await page.reload()  # a GET of the answered offer changes nothing and still says how it stands
    await expect(page.get_by_role("heading", name="You said no", exact=True)).to_be_visible()


@pytest.mark.timeout(600)  # near midnight in Oslo the visit starts just after it: minutes later
async def test_a_member_reports_the_pupils_reached_once_the_visit_has_started(stack: Stack, open_visitor) -> None:
    tone = await register_member(stack, name="Tone Træna", profession="nurse", kommunenummer=TRAENA)
    orgnr = random_orgnr()
    window = soon_window(start_in_seconds=40, minutes=3)
    booked = await book_visit(stack, orgnr, kommunenummer=TRAENA, professions=["nurse"], team_size=1,
                              windows=[window])  # fmt: skip
    (offer,) = await offered(stack, [tone], booked["id"])
    await answer(stack, tone["id"], offer["id"], "accept")
    await visit_in_status(stack, booked["id"], orgnr, "confirmed")

    visitor: Visitor = await open_visitor("phone")
    await sign_in_by_mail(stack, visitor, tone["email"])
    page = visitor.page
    report = page.get_by_role("link", name="Rapporter hvor mange elever dere nådde")

    async def report_offered() -> bool:  # only once the visit has started
        await visitor.goto(f"{stack.urls['portal']}/me/visits")
        return await report.count() == 1

    await eventually(report_offered, timeout=seconds_until(window) + 90, interval=3)
    await report.click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Rapporter besøket")
    await visitor.check("member report")
    await page.get_by_label("Hvor mange elever møtte dere?").fill("mange")
    await page.get_by_role("button", name="Send rapporten").click()
    await expect(page.get_by_role("link", name="Skriv et helt tall, for eksempel 25")).to_be_visible()
    await visitor.check("member report with a mistake")
    await page.get_by_label("Hvor mange elever møtte dere?").fill("55")
    await page.get_by_role("button", name="Send rapporten").click()
    await expect(page.get_by_role("status")).to_have_text("Takk! Besøket er rapportert.")
    await visitor.check("member visits after reporting")
    assert (await visit_in_status(stack, booked["id"], orgnr, "completed"))["report"]["pupils_reached"] == 55
