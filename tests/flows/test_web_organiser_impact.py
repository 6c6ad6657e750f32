"""Organisers read the programme's impact in the web app on a desktop, on the running system: a national organiser
reads the school year's chart and table (with a visit in Sogndal that took place and was rated), downloads the
figures as XLSX and finds the page's figures in it (opened with openpyxl), and pages through the visit list by its
keyset link; a regional organiser (Vestland) sees only Vestland's figures and visits, not a visit in Andøy. Every
page and state is checked with axe-core (WCAG 2.1 AA)."""

from pathlib import Path
from typing import Any

from flows_kit import (
    Stack,
    answer,
    book_visit,
    eventually,
    open_offer,
    random_orgnr,
    register_member,
    seconds_until,
    soon_window,
    unique_email,
    visit_in_status,
)
from openpyxl import load_workbook
from playwright.async_api import Page, expect
from web_kit import Visitor, sign_in_by_mail

SOGNDAL, KINN, ANDOY = "4640", "4602", "1871"
"""Two kommuner of Vestland (46) and one of Nordland (18) no other flow uses."""


async def held_and_rated(stack: Stack) -> dict[str, Any]:
    """A visit in Sogndal that a nurse held (40 pupils) and the school rated 4."""
    nurse = await register_member(stack, name="Solveig Hauge", profession="nurse", kommunenummer=SOGNDAL)
    orgnr = random_orgnr()
    window = soon_window(start_in_seconds=25, minutes=1)
    booked = await book_visit(stack, orgnr, kommunenummer=SOGNDAL, professions=["nurse"], team_size=1,
                              windows=[window])  # fmt: skip
    offer = await eventually(lambda: open_offer(stack, nurse["id"], booked["id"]))
    await answer(stack, nurse["id"], offer["id"], "accept")
    await visit_in_status(stack, booked["id"], orgnr, "confirmed")
    booking = stack.client("booking")

    async def reported() -> bool:
        response = await booking.post(f"/v1/visit-requests/{booked['id']}/report", json={"pupils_reached": 40},
                                      headers=stack.auth("member", nurse["id"]))  # fmt: skip
        assert response.status_code == 200, response.text  # refused until the visit has started
        return True

    async def rated() -> bool:
        response = await booking.post(f"/v1/visit-requests/{booked['id']}/rating", json={"rating": 4},
                                      headers=stack.auth("school", orgnr))  # fmt: skip
        assert response.status_code == 200, response.text  # refused until the visit has ended
        return True

    await eventually(reported, timeout=seconds_until(window) + 120, interval=2)
    await eventually(rated, timeout=150, interval=2)
    return booked


async def organiser(stack: Stack, open_visitor: Any, **scope: list[str]) -> Visitor:
    """An organiser (national, or of `fylker`) allowed in the portal and signed in on a desktop, in English."""
    email = unique_email("organiser")
    response = await stack.client("portal").post("/v1/organisers", json={"email": email, **scope},
                                                 headers=stack.auth("organiser"))  # fmt: skip
    assert response.status_code == 201, response.text
    visitor: Visitor = await open_visitor("desktop", locale="en-GB")
    await sign_in_by_mail(stack, visitor, email)
    return visitor


async def row_of(page: Page, table: str, name: str) -> list[str]:
    """The cells of the row headed `name` in the table captioned `table`."""
    row = page.get_by_role("table", name=table).get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=name, exact=True))  # fmt: skip
    await expect(row).to_have_count(1)
    return [text.strip() for text in await row.get_by_role("cell").all_inner_texts()]


async def test_impact_chart_table_xlsx_and_visit_list_national_and_regional(
    stack: Stack, open_visitor: Any, tmp_path: Path
) -> None:
    held = await held_and_rated(stack)
    kinn = await book_visit(stack, random_orgnr(), kommunenummer=KINN, professions=["health_worker"])
    andoy = await book_visit(stack, random_orgnr(), kommunenummer=ANDOY, professions=["health_worker"])
    portal = stack.urls["portal"]

    national = await organiser(stack, open_visitor)
    page = national.page
    await national.goto(f"{portal}/organiser/impact")
    await expect(page.get_by_role("heading", level=1, name="Impact")).to_be_visible()
    await expect(page.get_by_role("img", name="Per county: visits held")).to_be_visible()
    await expect(page.get_by_role("img", name="Map of Norway: a dot per municipality, sized by the visits held"))\
        .to_be_visible()  # fmt: skip
    await national.check("organiser impact national")
    vestland = await row_of(page, "Per county", "Vestland")  # asked for, held, pupils, ratings, average
    assert int(vestland[1]) >= 1 and int(vestland[2]) >= 40 and int(vestland[3]) >= 1, vestland
    sogndal = await row_of(page, "Municipalities with visits held", "Sogndal")
    assert sogndal == ["Vestland", "1", "40"], sogndal
    held_total = await page.get_by_role("definition").nth(1).inner_text()

    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="Download the figures (XLSX)").click()
    download = await downloading.value
    assert download.suggested_filename.startswith("impact-") and download.suggested_filename.endswith(".xlsx")
    await download.save_as(saved := tmp_path / download.suggested_filename)
    sheet = load_workbook(saved, read_only=True).active
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    figures = {(r[header.index("group")], r[header.index("key")] or ""): dict(zip(header, r, strict=True))
               for r in rows}  # fmt: skip  (an empty cell is None)
    county = figures[("county", "46")]
    assert [str(county[k]) for k in ("requested", "completed", "pupils_reached", "ratings")] == vestland[:4]
    assert str(figures[("total", "")]["completed"]) == held_total.strip()
    assert figures[("municipality", SOGNDAL)]["completed"] == 1 and figures[("municipality", SOGNDAL)]["ratings"] == 1

    await national.goto(f"{portal}/organiser/visits?county=46&limit=1")
    await expect(page.get_by_role("heading", level=1, name="Visits")).to_be_visible()
    await national.check("organiser visits first page")
    seen = {await page.get_by_role("table").get_by_role("link").first.inner_text()}
    for _ in range(5):  # Vestland's visits of the school year, one a page, until Sogndal's and Kinn's are seen
        if any(held["id"] in s for s in seen) and any(kinn["id"] in s for s in seen):
            break
        await page.get_by_role("link", name="Next page").click()
        await page.wait_for_load_state("load")
        seen.add(await page.get_by_role("table").get_by_role("link").first.inner_text())
    assert any(held["id"] in s for s in seen) and any(kinn["id"] in s for s in seen), seen
    await expect(page.get_by_role("link", name="First page")).to_be_visible()
    await national.check("organiser visits next page")
    link = page.get_by_role("table").get_by_role("link").first
    assert (await link.get_attribute("href") or "").startswith("/organiser/visits/")
    await national.goto(f"{portal}/organiser/visits?kommunenummer={ANDOY}")
    await expect(page.get_by_role("link", name=f"School visit {andoy['id']}")).to_be_visible()
    await national.goto(f"{portal}/organiser/visits?kommunenummer=12")
    await expect(page.get_by_text("Write a kommunenummer of four digits, e.g. 4601.").first).to_be_visible()
    await national.check("organiser visits refused filter")

    regional = await organiser(stack, open_visitor, fylker=["46"])
    page = regional.page
    await regional.goto(f"{portal}/organiser/impact")
    await expect(page.get_by_role("table", name="Per county").get_by_role("rowheader")).to_have_text(["Vestland"])
    await expect(page.get_by_role("rowheader", name="Sogndal", exact=True)).to_be_visible()
    await regional.check("organiser impact regional")
    await regional.goto(f"{portal}/organiser/visits")
    await expect(page.get_by_role("link", name=f"School visit {kinn['id']}")).to_be_visible()
    await expect(page.get_by_role("link", name=f"School visit {andoy['id']}")).to_have_count(0)
    await regional.check("organiser visits regional")
    await regional.goto(f"{portal}/organiser/visits?kommunenummer={ANDOY}")
    await expect(page.get_by_text("No visits match these filters.")).to_be_visible()
