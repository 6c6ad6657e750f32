"""The accessibility statement and the privacy page, as anyone reads them: in each language, on a phone and a
desktop, switched by the switcher or chosen by the browser's language; served with a strict CSP and nothing from
elsewhere."""

import httpx
import pytest
from browsing import Person
from conftest import Site
from playwright.sync_api import expect

STATEMENT = {"nb": "Tilgjengelighetserklæring", "nn": "Tilgjengeerklæring", "en": "Accessibility statement"}
PRIVACY = {"nb": "Personvern", "nn": "Personvern", "en": "Privacy"}
SWITCHER = {"nb": "Språk", "nn": "Språk", "en": "Language"}


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_statement_and_privacy_read_in_each_language(site: Site, open_browser, device: str, lang: str) -> None:
    person: Person = open_browser(device)
    person.goto(f"{site.url}/tilgjengelighet?lang={lang}")
    expect(person.page.get_by_role("heading", level=1, name=STATEMENT[lang])).to_be_visible()
    expect(person.page.locator("html")).to_have_attribute("lang", lang)
    expect(person.page.get_by_role("heading", name={"nb": "Kjente avvik", "nn": "Kjende avvik",
                                                    "en": "Known deviations"}[lang])).to_be_visible()  # fmt: skip
    expect(person.page.get_by_text({"nb": "4. desember 2026", "nn": "4. desember 2026",
                                    "en": "4 December 2026"}[lang]).first).to_be_visible()  # fmt: skip
    person.check(f"statement-{lang}")

    person.page.get_by_role("contentinfo").get_by_role("link", name=PRIVACY[lang]).click()
    expect(person.page.get_by_role("heading", level=1, name=PRIVACY[lang])).to_be_visible()
    expect(person.page.get_by_text("365")).to_be_visible()  # how long a school contact is kept, in days
    expect(person.page.locator("html")).to_have_attribute("lang", lang)  # the cookie kept the choice
    person.check(f"privacy-{lang}")
    assert person.outside_requests() == []
    assert person.csp_violations() == []


def test_switcher_changes_the_language_and_it_is_kept(site: Site, phone: Person) -> None:
    phone.goto(f"{site.url}/personvern")
    expect(phone.page.locator("html")).to_have_attribute("lang", "nb")
    languages = phone.page.get_by_role("navigation", name="Språk")
    expect(languages.get_by_role("link", name="Bokmål")).to_have_attribute("aria-current", "true")
    languages.get_by_role("link", name="English").click()
    expect(phone.page.get_by_role("heading", level=1, name="Privacy")).to_be_visible()
    phone.check("privacy-switched-to-en")

    phone.goto(f"{site.url}/tilgjengelighet")  # no ?lang=: the cookie remembers
    expect(phone.page.get_by_role("heading", level=1, name="Accessibility statement")).to_be_visible()
    phone.page.get_by_role("navigation", name="Language").get_by_role("link", name="Nynorsk").click()
    expect(phone.page.get_by_role("heading", level=1, name=STATEMENT["nn"])).to_be_visible()


@pytest.mark.parametrize(("locale", "lang"), [("en-GB", "en"), ("nn-NO", "nn"), ("sv-SE", "nb"), ("nb-NO", "nb")])
def test_browser_language_chooses_when_nothing_else_does(site: Site, open_browser, locale: str, lang: str) -> None:
    person: Person = open_browser("desktop", locale=locale)
    person.goto(f"{site.url}/tilgjengelighet")
    expect(person.page.get_by_role("heading", level=1, name=STATEMENT[lang])).to_be_visible()
    expect(person.page.get_by_role("navigation", name=SWITCHER[lang])).to_be_visible()


def test_every_page_carries_the_security_headers(site: Site, desktop: Person) -> None:
    for path in ("/tilgjengelighet", "/personvern", f"/s/{site.booking.open_survey()}", "/s/NOSUCHCODE"):
        response = desktop.page.goto(f"{site.url}{path}")
        assert response is not None
        headers = response.headers
        assert "default-src 'self'" in headers["content-security-policy"], path
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert "'unsafe-inline'" not in headers["content-security-policy"], path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "same-origin", path
    assert desktop.csp_violations() == []
    assert desktop.outside_requests() == []
    assets = [url for url in desktop.requests if "/static/" in url]
    assert any(url.endswith("designsystemet.css") for url in assets)
    assert any(url.endswith(".woff2") for url in assets), "Inter comes from the portal itself"
    assert any(url.endswith("htmx.min.js") for url in assets)


def test_assets_are_kept_a_year_under_their_version(site: Site, desktop: Person) -> None:
    desktop.goto(f"{site.url}/personvern")
    css = next(url for url in desktop.requests if url.endswith("/designsystemet.css"))
    kept = desktop.page.request.get(css)
    assert kept.status == 200 and "immutable" in kept.headers["cache-control"]
    assert kept.headers["content-type"].startswith("text/css")
    assert desktop.page.request.get(f"{site.url}/static/x/../../package.json").status == 404
    assert desktop.page.request.get(f"{site.url}/static/x/node_modules").status == 404


def test_skip_link_is_the_first_stop_and_leads_to_the_content(site: Site, desktop: Person) -> None:
    desktop.goto(f"{site.url}/personvern")
    desktop.page.keyboard.press("Tab")
    skip = desktop.page.get_by_role("link", name="Hopp til innholdet")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    desktop.check("privacy-skip-link-focused")
    desktop.page.keyboard.press("Enter")
    expect(desktop.page.get_by_role("main")).to_be_focused()


def test_a_page_that_does_not_exist_says_so_to_a_person_and_in_json_to_a_program(site: Site, phone: Person) -> None:
    answer = phone.page.goto(f"{site.url}/finnes-ikke")
    assert answer is not None and answer.status == 404
    expect(phone.page.get_by_role("heading", level=1, name="Vi fant ikke denne siden")).to_be_visible()
    expect(phone.page.get_by_role("link", name="Gå til forsiden")).to_have_attribute("href", "/")
    phone.check("page not found")
    program = httpx.get(f"{site.url}/finnes-ikke", headers={"Accept": "application/json"})
    assert program.status_code == 404 and program.headers["content-type"] == "application/problem+json"
    api = httpx.get(f"{site.url}/v1/finnes-ikke", headers={"Accept": "text/html"})
    assert api.headers["content-type"] == "application/problem+json"
