"""The organisers' roster in the web app, on the running system, on a desktop: a national organiser finds members by
name, imports a roster whose one bad line the preview refuses (nothing written), then a good one it previews line by
line and imports; downloads the roster as XLSX (opened with openpyxl); opens a member's page, deactivates them and
erases another, each after a confirmation saying what it does. A regional organiser of another county finds none of
them and is refused their pages. axe-core on every state reached."""

import uuid
from pathlib import Path
from typing import Any

from flows_kit import Stack, register_member
from openpyxl import load_workbook
from playwright.async_api import expect
from web_kit import Visitor, allow_organiser, sign_in_by_mail

ROST = "1856"  # Nordland; the members here take no visits (at most 0 a month): no other flow is disturbed


async def member(stack: Stack, member_id: str) -> dict[str, Any] | None:
    response = await stack.client("ambassadors").get(f"/v1/members/{member_id}", headers=stack.auth("organiser"))
    return response.json() if response.status_code == 200 else None


async def choose_file(visitor: Visitor, portal: str, content: str) -> None:
    """Open the import page and send a roster file (as if chosen from the disk)."""
    await visitor.goto(f"{portal}/organiser/members/import")
    await visitor.page.get_by_label("Roster file (CSV)").set_input_files(
        files=[{"name": "roster.csv", "mimeType": "text/csv", "buffer": content.encode()}]
    )
    await visitor.page.get_by_role("button", name="Show what would happen").click()
    await visitor.page.wait_for_load_state("load")


def rows_of(tag: str, *lines: str) -> str:
    return "Navn;Yrke;Kommunenummer;E-post;Mobil;Språk;Maks besøk per måned\n" + "".join(f"{line}\n" for line in lines)


async def test_an_organiser_searches_imports_downloads_and_keeps_the_roster_and_a_regional_one_sees_none_of_it(
    stack: Stack, open_visitor, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    astrid = await register_member(stack, name=f"Astrid Røst{tag}", profession="nurse", kommunenummer=ROST,
                                   max_visits_per_month=0)  # fmt: skip
    bjorn = await register_member(stack, name=f"Bjørn Røst{tag}", profession="health_worker", kommunenummer=ROST,
                                  max_visits_per_month=0, languages=("nb", "en"))  # fmt: skip
    portal = stack.urls["portal"]
    national = await open_visitor("desktop", locale="en-GB")
    await sign_in_by_mail(stack, national, await allow_organiser(stack))
    page = national.page

    await national.goto(f"{portal}/organiser/members?q=r%C3%B8st{tag}")
    table = page.get_by_role("table")
    await expect(table.get_by_role("link")).to_have_text([astrid["name"], bjorn["name"]])
    await national.check("organiser roster search")
    await page.get_by_label("Speaks").select_option("en")
    await page.get_by_role("button", name="Search").click()
    await expect(table.get_by_role("link")).to_have_text([bjorn["name"]])

    # A file with one bad line: the preview refuses it, names the line, and nothing is written.
    new_mail = f"cecilie.{tag}@example.no"
    good = f"Cecilie Røst{tag};sykepleier;{ROST};{new_mail};41{uuid.uuid4().int % 10**6:06d};nb;0"
    bad = f"Feil Røst{tag};sykepleier;9999;feil.{tag}@example.no;4;nb;0"
    await choose_file(national, portal, rows_of(tag, good, bad))
    await expect(page.get_by_role("alert")).to_contain_text("1 line is refused, so nothing will be imported")
    refused = page.get_by_role("row").filter(has_text="Refused")
    await expect(refused).to_have_count(1)
    await expect(refused.get_by_role("cell").first).to_have_text("3")
    await expect(page.get_by_role("button", name="Import now")).to_have_count(0)
    await national.check("organiser roster import refused")
    listed = await stack.client("ambassadors").get("/v1/members", params={"q": new_mail},
                                                   headers=stack.auth("organiser"))  # fmt: skip
    assert listed.json() == []

    # A good file: Cecilie added, Astrid's monthly visits changed; the preview says so, then the import does it.
    change = f"{astrid['name']};sykepleier;{ROST};{astrid['email']};{astrid['phone']};nb;1"
    await choose_file(national, portal, rows_of(tag, good, change))
    await expect(page.get_by_role("row").filter(has_text=new_mail)).to_contain_text("Added")
    await expect(page.get_by_role("row").filter(has_text=astrid["email"])).to_contain_text("visits a month")
    await national.check("organiser roster import preview")
    assert (await member(stack, astrid["id"]))["max_visits_per_month"] == 0  # type: ignore[index]
    await page.get_by_role("button", name="Import now").click()
    await page.wait_for_url(f"{portal}/organiser/members?done=imported")
    await expect(page.get_by_role("status")).to_contain_text("The roster is imported.")
    assert (await member(stack, astrid["id"]))["max_visits_per_month"] == 1  # type: ignore[index]

    await national.goto(f"{portal}/organiser/members?q=r%C3%B8st{tag}")
    await expect(table.get_by_role("link")).to_have_text([astrid["name"], bjorn["name"], f"Cecilie Røst{tag}"])
    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="Download as Excel (XLSX)").click()
    download = await downloading.value
    await download.save_as(saved := tmp_path / download.suggested_filename)
    header, *rows = [list(r) for r in load_workbook(saved, read_only=True).active.iter_rows(values_only=True)]
    assert sorted(r[header.index("email")] for r in rows) == sorted([astrid["email"], bjorn["email"], new_mail])

    # A member's page; deactivating says what it does first.
    await table.get_by_role("link", name=bjorn["name"]).click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(bjorn["name"])
    await expect(page.get_by_role("heading", name="Availability")).to_be_visible()
    await national.check("organiser roster member")
    await page.get_by_role("link", name="Deactivate").click()
    await expect(page.get_by_text("Seats they hold on future visits are released")).to_be_visible()
    await national.check("organiser roster deactivate confirmation")
    await page.get_by_role("button", name="Yes, deactivate").click()
    await expect(page.get_by_role("status")).to_contain_text("The member is deactivated")
    assert (await member(stack, bjorn["id"]))["active"] is False  # type: ignore[index]

    await national.goto(f"{portal}/organiser/members/{astrid['id']}/erase")
    await expect(page.get_by_text("This cannot be undone.")).to_be_visible()
    await national.check("organiser roster erase confirmation")
    await page.get_by_role("button", name="Yes, erase for good").click()
    await page.wait_for_url(f"{portal}/organiser/members?done=erased")
    assert await member(stack, astrid["id"]) is None

    # A regional organiser of Oslo finds none of them, and is refused the member's page.
    regional = await open_visitor("desktop", locale="en-GB")
    await sign_in_by_mail(stack, regional, await allow_organiser(stack, fylker=["03"]))
    await regional.goto(f"{portal}/organiser/members?q=r%C3%B8st{tag}")
    await expect(regional.page.get_by_text("No members match these filters.")).to_be_visible()
    await regional.check("organiser roster regional")
    response = await regional.page.goto(f"{portal}/organiser/members/{bjorn['id']}")
    assert response is not None and response.status in (403, 404)
