"""Every page of the web app, in each of its languages, on the device its people use (members on a 390 px phone;
school contacts on a desktop and a phone), with what the system holds after a real booking: each answers 200 with
one main heading, in the language asked for, with no WCAG 2.1 AA violation by axe-core, nothing fetched from outside
this machine and no Content-Security-Policy refusal; a screenshot of each is kept in test-artifacts/web/."""

from flows_kit import Stack, book_visit, eventually, open_offer, random_orgnr, register_member, unique_email
from playwright.async_api import expect
from web_kit import Visitor, sign_in_by_mail

LANGUAGES = ("nb", "nn", "en")
MEMBER_PAGES = ("/me", "/me/visits", "/gatherings", "/me/availability", "/me/profile", "/settings/notifications",
                "/settings/calendar")  # fmt: skip
SCHOOL_PAGES = ("/school", "/school/book", "/school/systems")
VINJE = "4036"  # no other flow has members near it: the one offer goes to the tour's member


async def invite_school_contact(stack: Stack, orgnr: str) -> str:
    """A national organiser makes a new address the school's contact; the address."""
    email = unique_email("kontakt")
    invited = await stack.client("portal").post(f"/v1/schools/{orgnr}/contacts", json={"email": email},
                                                headers=stack.auth("organiser"))  # fmt: skip
    assert invited.status_code == 201, invited.text
    return email


async def tour(visitor: Visitor, base: str, paths: list[str]) -> None:
    """Each page in each language: 200, the language on <html>, one main heading; accessible; kept as a picture."""
    for path in paths:
        for lang in LANGUAGES:
            answer = await visitor.page.goto(f"{base}{path}?lang={lang}", wait_until="load")
            assert answer is not None and answer.status == 200, (path, lang, answer and answer.status)
            await expect(visitor.page.locator("html")).to_have_attribute("lang", lang)
            await expect(visitor.page.get_by_role("heading", level=1)).to_have_count(1)
            await visitor.check(f"tour {path} {lang}")


async def test_every_page_in_every_language_is_accessible(stack: Stack, open_visitor) -> None:  # noqa: ANN001
    member = await register_member(stack, name="Turid Turné", profession="nurse", kommunenummer=VINJE)
    orgnr = random_orgnr()
    school_email = await invite_school_contact(stack, orgnr)
    booked = await book_visit(stack, orgnr, kommunenummer=VINJE, professions=["nurse"], team_size=1)
    offer = await eventually(lambda: open_offer(stack, member["id"], booked["id"]), timeout=60)
    portal = stack.urls["portal"]

    phone = await open_visitor("phone")
    await sign_in_by_mail(stack, phone, member["email"])
    await tour(phone, portal, [*MEMBER_PAGES, f"/offers/{offer['id']}"])

    for device in ("desktop", "phone"):
        school = await open_visitor(device)
        await sign_in_by_mail(stack, school, school_email)
        await tour(school, portal, [*SCHOOL_PAGES, f"/school/visits/{booked['id']}"])
