"""Members' gatherings in the web app, on the running system, on a 390 px phone: the invitation opened from its
mail, registering with a dietary need, the place and its check-in code (the QR code and the code to type), the
organiser checking in by that code and completing, the proof of training; and a full gathering: the waiting-list
place, the offered place accepted, withdrawing after a confirmation step. axe-core on every state reached."""

import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from flows_kit import OSLO, Stack, eventually, register_member
from playwright.async_api import expect
from web_kit import Visitor, sign_in_by_mail

CODE = re.compile(r"^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$")
"""A check-in code as the page shows it (training's alphabet, groups of four)."""


async def publish(stack: Stack, *, title: str, county: str, kommunenummer: str, capacity: int, starts_in: timedelta,
                  closes_in: timedelta, withdrawal_in: timedelta) -> str:  # fmt: skip
    """An organiser schedules and publishes a gathering for health workers in `county`; its id."""
    now = datetime.now(OSLO).replace(microsecond=0)
    starts = now + starts_in
    body = {
        "title": title, "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=6)).isoformat(),
        "venue": {"name": "Thon Hotel Nord", "address": "Storgata 1", "kommunenummer": kommunenummer},
        "region": [county], "audience": ["health_worker"], "capacity": capacity,
        "registration_opens": (now - timedelta(days=1)).isoformat(),
        "registration_closes": (now + closes_in).isoformat(),
        "withdrawal_deadline": (now + withdrawal_in).isoformat(),
        "sessions": [{"title": "Fortellerteknikk", "kind": "storytelling", "starts_at": starts.isoformat(),
                      "ends_at": (starts + timedelta(hours=2)).isoformat()}],
    }  # fmt: skip
    training = stack.client("training")
    created = await training.post("/v1/gatherings", json=body, headers=stack.auth("organiser"))
    assert created.status_code == 201, created.text
    gathering: str = created.json()["id"]
    published = await training.post(f"/v1/gatherings/{gathering}/publish", headers=stack.auth("organiser"))
    assert published.status_code == 200, published.text
    return gathering


async def invitation_link(stack: Stack, email: str, gathering: str) -> str:
    """The link in the invitation mail to `email`, pointed at the launched portal."""
    pattern = re.compile(rf"https?://\S+/samlinger/{re.escape(gathering)}\b")

    async def mailed() -> str | None:
        for mail in await stack.mails_to(email):
            found = pattern.search(mail.get("text", ""))
            if found:
                return found.group(0)
        return None

    link = await eventually(mailed, timeout=60, interval=1)
    return link.replace(urlsplit(link).netloc, urlsplit(stack.urls["portal"]).netloc)


async def status_says(visitor: Visitor, text: str) -> None:
    await expect(visitor.page.get_by_role("status")).to_contain_text(text)


@pytest.mark.timeout(600)  # the stack's start (when this runs first) and the gathering's start are waited for
async def test_a_member_registers_from_the_invitation_shows_the_check_in_code_and_gets_proof_of_training(
    stack: Stack, open_visitor: Any
) -> None:
    member = await register_member(stack, name="Mari Bodø", profession="health_worker", kommunenummer="1804")
    visitor: Visitor = await open_visitor("phone")
    page = visitor.page
    await sign_in_by_mail(stack, visitor, member["email"])

    async def listed() -> bool:  # just after the stack starts, training may not yet have fetched the portal's keys
        await visitor.goto(stack.urls["portal"] + "/gatherings")
        await expect(page.get_by_role("heading", name="Samlinger", exact=True)).to_be_visible(timeout=1000)
        return True

    await eventually(listed, timeout=30, interval=2)
    await expect(page.get_by_text("Du har ingen invitasjoner til samlinger ennå")).to_be_visible()
    await visitor.check("gatherings none")

    # Starts in 100 s: registering and checking in come first, completing once it has started.
    gathering = await publish(stack, title="Årssamling i Nordland", county="18", kommunenummer="1804", capacity=5,
                              starts_in=timedelta(seconds=100), closes_in=timedelta(seconds=90),
                              withdrawal_in=timedelta(seconds=85))  # fmt: skip
    await visitor.goto(await invitation_link(stack, member["email"], gathering))
    await expect(page.get_by_role("heading", name="Årssamling i Nordland", level=1)).to_be_visible()
    await expect(page.get_by_role("heading", name="Du er invitert")).to_be_visible()
    await expect(page.get_by_text("Fortellerteknikk")).to_be_visible()
    await visitor.check("gathering invitation")

    await page.get_by_role("link", name="Alle samlinger").click()
    await expect(page.get_by_role("heading", name="Venter på svar fra deg")).to_be_visible()
    await expect(page.get_by_text(re.compile(r"Meld deg på innen \S+dag"))).to_be_visible()
    await visitor.check("gatherings invitations first")
    await page.get_by_role("link", name="Årssamling i Nordland").click()

    await page.get_by_label("Kosthold og allergier (valgfritt)", exact=True).fill("Vegetar, nøtteallergi")
    await page.get_by_role("button", name="Meld deg på").click()
    await status_says(visitor, "Påmeldingen din er lagret.")
    await expect(page.get_by_role("heading", name="Du har plass")).to_be_visible()
    await expect(page.get_by_text("Vegetar, nøtteallergi")).to_be_visible()
    await visitor.check("gathering registered")

    await page.get_by_role("link", name="Vis innsjekkingskoden min").click()
    await expect(page.get_by_role("heading", name="Min innsjekkingskode")).to_be_visible()
    shown_code = page.get_by_text(CODE)
    await expect(shown_code).to_be_visible()
    code = (await shown_code.inner_text()).strip()
    await expect(page.get_by_role("img", name=f"QR-kode for innsjekkingskoden {code}")).to_be_visible()
    await visitor.check("check-in code")

    training, organiser = stack.client("training"), stack.auth("organiser")
    checked = await training.post(f"/v1/gatherings/{gathering}/check-ins", json={"code": code.lower()},
                                  headers=organiser)  # fmt: skip
    assert checked.status_code == 201, checked.text
    assert checked.json()["member_id"] == member["id"]
    await page.get_by_role("link", name="Årssamling i Nordland").click()
    await expect(page.get_by_role("heading", name="Du er sjekket inn")).to_be_visible()
    await visitor.check("gathering checked in")

    async def completed() -> bool:  # completing is allowed once the gathering has started
        response = await training.post(f"/v1/gatherings/{gathering}/complete", headers=organiser)
        assert response.status_code == 200, response.text
        return True

    await eventually(completed, timeout=240, interval=5)
    await page.reload()
    await expect(page.get_by_role("heading", name="Du har fullført opplæringen")).to_be_visible()
    await visitor.check("gathering trained")

    await page.get_by_role("link", name="Vis kursbeviset mitt").click()
    await expect(page.get_by_role("heading", name="Kursbevis", level=1)).to_be_visible()
    await expect(page.get_by_text("Mari Bodø har fullført opplæringen")).to_be_visible()
    verification = page.get_by_text(re.compile(r"^[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}$"))
    await expect(verification).to_be_visible()
    await visitor.check("proof of training")
    code_text = (await verification.inner_text()).strip()
    check = await page.get_by_role("link", name=re.compile(rf"\/bevis\/{code_text}$")).get_attribute("href")
    assert check is not None

    employer: Visitor = await open_visitor("desktop")  # anyone may check it, without signing in
    await employer.goto(check.replace(urlsplit(check).netloc, urlsplit(stack.urls["portal"]).netloc))
    await expect(employer.page.get_by_role("heading", name="Kursbeviset er ekte")).to_be_visible()
    await expect(employer.page.get_by_text("Årssamling i Nordland")).to_be_visible()
    await employer.check("proof of training checked")
    await employer.goto(f"{stack.urls['portal']}/bevis/{'2' * 16}")
    await expect(employer.page.get_by_role("heading", name="Vi fant ikke dette kursbeviset")).to_be_visible()
    await employer.check("proof of training not found")

    await page.get_by_role("link", name="English").click()
    await expect(page.get_by_role("heading", name="Proof of training", level=1)).to_be_visible()
    await expect(page.get_by_text("Mari Bodø has completed the training")).to_be_visible()
    await visitor.check("proof of training in English")


@pytest.mark.timeout(600)
async def test_a_full_gathering_puts_the_member_on_the_waiting_list_offers_the_freed_place_and_lets_them_withdraw(
    stack: Stack, open_visitor: Any
) -> None:
    first = await register_member(stack, name="Ola Alta", profession="health_worker", kommunenummer="5601")
    member = await register_member(stack, name="Siri Alta", profession="health_worker", kommunenummer="5601")
    visitor: Visitor = await open_visitor("phone")
    page = visitor.page
    await sign_in_by_mail(stack, visitor, member["email"])
    gathering = await publish(stack, title="Samling i Finnmark", county="56", kommunenummer="5601", capacity=1,
                              starts_in=timedelta(days=20), closes_in=timedelta(days=10),
                              withdrawal_in=timedelta(days=9))  # fmt: skip
    training = stack.client("training")
    taken = await training.post(f"/v1/gatherings/{gathering}/registrations", json={},
                                headers=stack.auth("member", first["id"]))  # fmt: skip
    assert taken.status_code == 201 and taken.json()["status"] == "confirmed", taken.text

    for hostile in ("%27%22%3Cscript%3E", "..%2F..%2Fv1%2Fgatherings", "x" * 300):  # never sent to training
        await visitor.goto(f"{stack.urls['portal']}/gatherings/{hostile}")
        await expect(page.get_by_role("heading", name="Vi fant ikke denne siden")).to_be_visible()

    await visitor.goto(f"{stack.urls['portal']}/samlingar/{gathering}")  # the Nynorsk mail's link
    await expect(page.get_by_text("Alle plassene er tatt: du blir satt på venteliste.")).to_be_visible()
    needs = page.get_by_label("Behov for tilrettelegging (valgfritt)", exact=True)
    await needs.evaluate("(field) => { field.value = 'x'.repeat(1001); }")  # past the field's maxlength
    await page.get_by_role("button", name="Meld deg på").click()
    summary = page.get_by_role("heading", name="Sjekk dette før du går videre")
    await expect(summary).to_be_visible()
    await expect(page.get_by_role("link", name="Skriv høyst 1000 tegn.")).to_be_visible()
    await expect(needs).to_have_attribute("aria-invalid", "true")
    await visitor.check("gathering registration to fix")
    await needs.fill("Rullestol")
    await page.get_by_role("button", name="Meld deg på").click()
    await status_says(visitor, "Du står på venteliste. Vi sier fra på e-post hvis en plass blir ledig.")
    await expect(page.get_by_role("heading", name="Du står på venteliste")).to_be_visible()
    await expect(page.get_by_text("Du er nummer 1 i køen.")).to_be_visible()
    await expect(page.get_by_text("Rullestol")).to_be_visible()
    await visitor.check("gathering waiting list")

    withdrawn = await training.delete(f"/v1/gatherings/{gathering}/registrations/me",
                                      headers=stack.auth("member", first["id"]))  # fmt: skip
    assert withdrawn.status_code == 204, withdrawn.text

    async def offered() -> bool:
        await page.reload()
        await expect(page.get_by_role("heading", name="Du får tilbud om en plass")).to_be_visible(timeout=1000)
        return True

    await eventually(offered, timeout=30, interval=1)
    await expect(page.get_by_text(re.compile(r"Den er din hvis du takker ja innen \S+dag"))).to_be_visible()
    await visitor.check("gathering place offered")
    await page.get_by_role("button", name="Ta imot plassen").click()
    await status_says(visitor, "Du har tatt imot plassen. Vi sees!")
    await expect(page.get_by_role("heading", name="Du har plass")).to_be_visible()
    await visitor.check("gathering offer accepted")

    await page.get_by_role("link", name="Meld deg av samlingen").click()
    await expect(page.get_by_role("heading", name="Melde deg av samlingen?")).to_be_visible()
    await visitor.check("gathering withdraw confirmation")
    await page.get_by_role("link", name="Nei, behold plassen min").click()
    await expect(page.get_by_role("heading", name="Du har plass")).to_be_visible()

    # Without JavaScript on another phone (axe needs JavaScript: the pages are checked on the first phone): the
    # confirmation posts and the page after the redirect says what happened.
    plain: Visitor = await open_visitor("phone", java_script_enabled=False)
    await sign_in_by_mail(stack, plain, member["email"])
    await plain.goto(f"{stack.urls['portal']}/samlinger/{gathering}")
    await plain.page.get_by_role("link", name="Meld deg av samlingen").click()
    await plain.page.get_by_role("button", name="Ja, meld meg av").click()
    await status_says(plain, "Du har meldt deg av.")
    await expect(plain.page.get_by_role("heading", name="Du har meldt deg av")).to_be_visible()
    await expect(plain.page).to_have_url(re.compile(rf"/gatherings/{gathering}\?done=withdrawn$"))
    await page.reload()
    await expect(page.get_by_role("heading", name="Du har meldt deg av")).to_be_visible()
    await visitor.check("gathering withdrawn")
    mine = await training.get(f"/v1/me/gatherings/{gathering}", headers=stack.auth("member", member["id"]))
    assert mine.json()["my_state"] == "withdrawn", mine.text
