"""The pupils' survey as a 15-year-old uses it on a phone: three questions in the visit's language, big targets,
keyboard or touch, with or without JavaScript; a thank-you page; one answer per phone; nothing about the pupil."""

import pytest
from browsing import Person
from conftest import Site
from playwright.sync_api import Page, expect

WORDS = {
    "nb": {"title": "Hva syntes du om besøket?", "imagine": "Kan du tenke deg å jobbe i helse- og omsorgstjenesten?",
           "learned": "Lærte du noe nytt om hvordan det er å jobbe der?", "good": "Var besøket bra?", "yes": "Ja",
           "no": "Nei", "ok": "Greit", "send": "Send svarene mine", "thanks": "Takk!", "sent": "Svarene dine er sendt.",
           "again": "Du har allerede svart", "check": "Sjekk dette før du går videre"},
    "nn": {"title": "Kva syntest du om besøket?", "imagine": "Kan du tenkje deg å jobbe i helse- og omsorgstenesta?",
           "learned": "Lærte du noko nytt om korleis det er å jobbe der?", "good": "Var besøket bra?", "yes": "Ja",
           "no": "Nei", "ok": "Greitt", "send": "Send svara mine", "thanks": "Takk!", "sent": "Svara dine er sende.",
           "again": "Du har allereie svart", "check": "Sjekk dette før du går vidare"},
    "en": {"title": "What did you think of the visit?", "imagine": "Could you imagine working in health care?",
           "learned": "Did you learn something new about what the job is like?", "good": "Was the visit good?",
           "yes": "Yes", "no": "No", "ok": "OK", "maybe": "Maybe", "send": "Send my answers", "thanks": "Thank you!",
           "sent": "Your answers have been sent.", "again": "You have answered already",
           "check": "Please check these before you go on"},
}  # fmt: skip


def answer(page: Page, words: dict[str, str], imagine: str, learned: str, good: str) -> None:
    """Tap one answer to each question, as a person finds them: the question, then the answer's label."""
    for question, option in (("imagine", imagine), ("learned", learned), ("good", good)):
        page.get_by_role("group", name=words[question]).get_by_role("radio", name=words[option], exact=True).check()


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_pupil_answers_in_the_visits_language_and_is_thanked(site: Site, open_browser, device: str,
                                                             lang: str) -> None:  # fmt: skip
    code = site.booking.open_survey(language=lang)
    words = WORDS[lang]
    person: Person = open_browser(device)
    person.goto(f"{site.url}/s/{code}")
    expect(person.page.get_by_role("heading", level=1, name=words["title"])).to_be_visible()
    expect(person.page.locator("html")).to_have_attribute("lang", lang)
    person.check(f"survey-{lang}")

    answer(person.page, words, "yes", "no", "ok")
    person.page.get_by_role("button", name=words["send"]).click()
    expect(person.page.get_by_role("heading", level=1, name=words["thanks"])).to_be_visible()
    expect(person.page.get_by_role("status")).to_have_text(words["sent"])
    person.check(f"survey-thanks-{lang}")
    assert site.booking.answers[code] == [{"imagine": "yes", "learned": "no", "good": "ok"}]

    person.goto(f"{site.url}/s/{code}")  # the same phone again: booking's cookie, relayed by the portal
    expect(person.page.get_by_role("heading", level=1, name=words["again"])).to_be_visible()
    person.check(f"survey-answered-already-{lang}")
    assert len(site.booking.answers[code]) == 1
    assert person.outside_requests() == [] and person.csp_violations() == []
    cookies = {seen.get("cookie") for seen in site.booking.seen_headers} - {None}
    assert cookies and all(c.startswith("outreach_survey=") and ";" not in c for c in cookies)  # only booking's own
    assert {seen.get("x-forwarded-for") for seen in site.booking.seen_headers} == {"127.0.0.1"}  # for its limit
    assert "lang" not in {c["name"] for c in person.page.context.cookies()}  # the survey's language is not kept


def test_touch_targets_are_big_enough_on_a_phone(site: Site, phone: Person) -> None:
    phone.goto(f"{site.url}/s/{site.booking.open_survey()}")
    for target in [*phone.page.get_by_role("radio").all(), phone.page.get_by_role("button", name="Send svarene mine")]:
        label_box = target.locator("xpath=ancestor-or-self::*[self::label or self::button][1]").bounding_box()
        assert label_box is not None and label_box["height"] >= 44 and label_box["width"] >= 44


def test_a_missing_answer_is_named_and_takes_focus(site: Site, phone: Person) -> None:
    code = site.booking.open_survey()
    words = WORDS["nb"]
    phone.goto(f"{site.url}/s/{code}")
    phone.page.get_by_role("group", name=words["imagine"]).get_by_role("radio", name="Kanskje").check()
    phone.page.get_by_role("button", name=words["send"]).click()
    summary = phone.page.get_by_role("heading", name=words["check"])
    expect(summary).to_be_visible()
    expect(phone.page.get_by_role("link", name=f"Velg et svar på: {words['learned']}")).to_be_visible()
    expect(phone.page.locator(":focus")).to_contain_text(words["check"])  # the error summary took focus
    expect(phone.page.get_by_role("group", name=words["imagine"]).get_by_role("radio", name="Kanskje")).to_be_checked()
    phone.check("survey-missing-answers-nb")
    assert site.booking.answers[code] == []

    phone.page.get_by_role("link", name=f"Velg et svar på: {words['good']}").click()
    phone.page.get_by_role("group", name=words["learned"]).get_by_role("radio", name="Ja").check()
    phone.page.get_by_role("group", name=words["good"]).get_by_role("radio", name="Ja").check()
    phone.page.get_by_role("button", name=words["send"]).click()
    expect(phone.page.get_by_role("heading", level=1, name=words["thanks"])).to_be_visible()
    assert site.booking.answers[code] == [{"imagine": "maybe", "learned": "yes", "good": "yes"}]


def test_survey_works_without_javascript(site: Site, open_browser) -> None:
    code = site.booking.open_survey(language="nn")
    person: Person = open_browser("phone", java_script_enabled=False)
    person.goto(f"{site.url}/s/{code}")
    person.page.get_by_role("button", name=WORDS["nn"]["send"]).click()  # nothing chosen: the form comes back
    expect(person.page.get_by_role("heading", name=WORDS["nn"]["check"])).to_be_visible()
    answer(person.page, WORDS["nn"], "no", "yes", "yes")
    person.page.get_by_role("button", name=WORDS["nn"]["send"]).click()
    expect(person.page.get_by_role("heading", level=1, name="Takk!")).to_be_visible()
    assert site.booking.answers[code] == [{"imagine": "no", "learned": "yes", "good": "yes"}]


def test_survey_completed_with_the_keyboard_alone(site: Site, desktop: Person) -> None:
    code = site.booking.open_survey(language="en")
    page = desktop.page
    desktop.goto(f"{site.url}/s/{code}")
    for question, option_steps in (("imagine", 0), ("learned", 1), ("good", 2)):
        group = page.get_by_role("group", name=WORDS["en"][question])
        for _ in range(12):  # Tab until the question's answers have focus
            page.keyboard.press("Tab")
            if group.get_by_role("radio").evaluate_all("(radios) => radios.includes(document.activeElement)"):
                break
        else:
            pytest.fail(f"Tab never reached {question}")
        for _ in range(option_steps):
            page.keyboard.press("ArrowDown")
        page.keyboard.press("Space")
        desktop.check(f"survey-keyboard-{question}-en")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send my answers")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Thank you!")).to_be_visible()
    assert site.booking.answers[code] == [{"imagine": "yes", "learned": "no", "good": "no"}]


def test_pupil_may_switch_the_page_to_another_language(site: Site, phone: Person) -> None:
    code = site.booking.open_survey(language="nb")
    phone.goto(f"{site.url}/s/{code}")
    phone.page.get_by_role("navigation", name="Språk").get_by_role("link", name="English").click()
    expect(phone.page.get_by_role("heading", level=1, name=WORDS["en"]["title"])).to_be_visible()
    answer(phone.page, WORDS["en"], "maybe", "yes", "yes")
    phone.page.get_by_role("button", name=WORDS["en"]["send"]).click()
    expect(phone.page.get_by_role("heading", level=1, name="Thank you!")).to_be_visible()
    phone.check("survey-switched-to-en")


@pytest.mark.parametrize(("path", "heading", "status"), [
    ("/s/ABCDEFGHJK", "Vi fant ikke denne undersøkelsen", 404),
    (f"/s/{'A' * 60}", "Vi fant ikke denne undersøkelsen", 404),
])  # fmt: skip
def test_unknown_survey_is_said_plainly(site: Site, phone: Person, path: str, heading: str, status: int) -> None:
    response = phone.page.goto(f"{site.url}{path}")
    assert response is not None and response.status == status
    expect(phone.page.get_by_role("heading", level=1, name=heading)).to_be_visible()
    phone.check(f"survey-unknown-{status}")


def test_hostile_codes_are_refused_without_asking_booking(site: Site, phone: Person) -> None:
    for path in ("/s/%00%00", "/s/%E2%80%AEABCDEFGHJ", "/s/ABCDE%2F..%2F", f"/s/{'9' * 10_000}"):
        response = phone.page.request.get(f"{site.url}{path}")
        assert response.status == 404, path[:40]
        posted = phone.page.request.post(f"{site.url}{path}", form={"imagine": "yes"})
        assert posted.status == 404, path[:40]
    url = f"{site.url}/s/{site.booking.open_survey()}"
    huge = phone.page.request.post(url, form={"imagine": "yes" * 300_000})
    many = phone.page.request.post(url, form={f"field{i}": "yes" for i in range(200)})
    nul = phone.page.request.post(url, form={"imagine": "yes\x00", "learned": "\u202eyes", "good": "yes"})
    assert (huge.status, many.status, nul.status) == (400, 400, 422)  # too big, too many fields; not an answer
    assert site.booking.answers[url.rsplit("/", 1)[1]] == []


def test_closed_survey_is_said_plainly(site: Site, phone: Person) -> None:
    code = site.booking.open_survey(language="nn")
    site.booking.closed.add(code)
    response = phone.page.goto(f"{site.url}/s/{code}")
    assert response is not None and response.status == 410
    # booking does not say a closed survey's language: the page speaks the browser's (here nb)
    expect(phone.page.get_by_role("heading", level=1, name="Denne undersøkelsen er stengt")).to_be_visible()
    phone.check("survey-closed-nb")
