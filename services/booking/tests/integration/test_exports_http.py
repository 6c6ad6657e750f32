"""Organisers' downloads: visits and impact figures as CSV and XLSX, the lists' rows under the same filters."""

import csv
import io
from datetime import timedelta
from typing import Any

import openpyxl
from booking_testkit import START, Ambassadors, Api, MovableClock, new_orgnr
from test_stats_http import seed

from outreach_shared.regions import Region

# Each test its own school year (a Wednesday in it), no other test has visits in them.
YEAR, AUTUMN = "2033/34", START.replace(year=2033, month=9, day=14, hour=8)
OTHER_YEAR, OTHER_AUTUMN = "2034/35", START.replace(year=2034, month=9, day=13, hour=8)
HOSTILE = '=HYPERLINK("http://evil.example","klikk")'


def csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_rows(body: bytes) -> tuple[list[list[Any]], Any]:
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    return [list(r) for r in sheet.iter_rows(values_only=True)], sheet


async def seeded(api: Api, ambassadors: Ambassadors, clock: MovableClock, autumn: Any) -> dict[str, str]:
    """Three visits from a Wednesday: Oslo completed and rated, Trondheim by a hostile name, Oslo requested."""
    oslo, trondheim = new_orgnr(), new_orgnr()
    done = await seed(api, ambassadors, clock, oslo, "0301", autumn, "completed", 30)
    clock.set(autumn + timedelta(days=1))
    r = await api.svc.client.post(f"/v1/visit-requests/{done}/rating", json={"rating": 4}, headers=api.school(oslo))
    assert r.status_code == 200, r.text
    clock.set(autumn - timedelta(days=30))
    school = {"orgnr": trondheim, "name": HOSTILE, "kommunenummer": "5001", "address": "Gata 1"}
    hostile = await api.create(trondheim, start=autumn + timedelta(days=1), school=school)
    waiting = await seed(api, ambassadors, clock, oslo, "0301", autumn + timedelta(days=2), "requested")
    return {"done": done, "hostile": hostile, "waiting": waiting}


async def test_visit_exports_hold_the_lists_rows_region_limited_and_formula_safe(
    api: Api, ambassadors: Ambassadors, clock: MovableClock
) -> None:
    ids = await seeded(api, ambassadors, clock, AUTUMN)
    client, national = api.svc.client, api.organiser()
    trondelag = api.svc.auth("organiser", region=Region.of(fylker=["50"]))
    for params, headers in (
        ({"school_year": YEAR}, national),
        ({"school_year": YEAR, "status": "requested"}, national),
        ({"school_year": YEAR}, trondelag),
    ):
        listed = await client.get("/v1/visit-requests", params={**params, "limit": 200}, headers=headers)
        expected = [i["id"] for i in listed.json()["items"]]
        as_csv = await client.get("/v1/visit-requests.csv", params=params, headers=headers)
        assert as_csv.status_code == 200, as_csv.text
        assert as_csv.headers["content-type"].startswith("text/csv")
        assert as_csv.headers["content-disposition"] == 'attachment; filename="visits.csv"'
        rows = csv_rows(as_csv.content)
        assert rows[0][0] == "id" and [r[0] for r in rows[1:]] == expected
        as_xlsx = await client.get("/v1/visit-requests.xlsx", params=params, headers=headers)
        assert as_xlsx.status_code == 200, as_xlsx.text
        assert 'filename="visits.xlsx"' in as_xlsx.headers["content-disposition"]
        cells, _ = xlsx_rows(as_xlsx.content)
        assert [r[0] for r in cells[1:]] == expected

    regional = csv_rows((await client.get("/v1/visit-requests.csv", params={"school_year": YEAR},
                                          headers=trondelag)).content)  # fmt: skip
    assert [r[0] for r in regional[1:]] == [ids["hostile"]]
    name = regional[0].index("school_name")
    assert regional[1][name] == "'" + HOSTILE, "a formula is neutralised with a leading quote in CSV"
    cells, sheet = xlsx_rows((await client.get("/v1/visit-requests.xlsx", params={"school_year": YEAR},
                                               headers=trondelag)).content)  # fmt: skip
    assert cells[1][name] == HOSTILE and sheet.cell(row=2, column=name + 1).data_type == "s"

    everything = csv_rows((await client.get("/v1/visit-requests.csv", params={"school_year": YEAR},
                                            headers=national)).content)  # fmt: skip
    assert {r[0] for r in everything[1:]} == set(ids.values())


async def test_stats_exports_carry_the_figures_of_the_stats_endpoint(
    api: Api, ambassadors: Ambassadors, clock: MovableClock
) -> None:
    await seeded(api, ambassadors, clock, OTHER_AUTUMN)
    client = api.svc.client
    for headers in (api.organiser(), api.svc.auth("organiser", region=Region.of(fylker=["50"]))):
        stats = (await client.get("/v1/stats", params={"school_year": OTHER_YEAR}, headers=headers)).json()
        rows = csv_rows(
            (await client.get("/v1/stats.csv", params={"school_year": OTHER_YEAR}, headers=headers)).content
        )
        header, total = rows[0], dict(zip(rows[0], rows[1], strict=True))
        assert total["group"] == "total" and int(total["requested"]) == stats["total"]["requested"]
        cells, _ = xlsx_rows(
            (await client.get("/v1/stats.xlsx", params={"school_year": OTHER_YEAR}, headers=headers)).content
        )
        assert cells[0] == header and len(cells) == len(rows)
        by_knr = {r[1]: dict(zip(header, r, strict=True)) for r in rows[1:] if r[0] == "municipality"}
        assert set(by_knr) == {m["kommunenummer"] for m in stats["by_municipality"]}
        by_month = {r[1]: int(r[header.index("requested")]) for r in rows[1:] if r[0] == "month"}
        assert by_month == {m["month"]: m["requested"] for m in stats["by_month"]} and by_month
    national = (await client.get("/v1/stats", params={"school_year": OTHER_YEAR}, headers=api.organiser())).json()
    assert (national["total"]["ratings"], national["total"]["rating_average"]) == (1, 4.0)
    oslo = next(m for m in national["by_municipality"] if m["kommunenummer"] == "0301")
    assert (oslo["schools_reached"], oslo["schools_booked"], oslo["coverage"]) == (1, 1, 1.0)
    trondheim = next(m for m in national["by_municipality"] if m["kommunenummer"] == "5001")
    assert (trondheim["schools_reached"], trondheim["coverage"]) == (0, 0.0)
    trondelag = api.svc.auth("organiser", region=Region.of(fylker=["50"]))
    regional = (await client.get("/v1/stats", params={"school_year": OTHER_YEAR}, headers=trondelag)).json()
    assert regional["total"]["requested"] == 1


async def test_only_organisers_download(api: Api) -> None:
    for path in ("/v1/visit-requests.csv", "/v1/visit-requests.xlsx", "/v1/stats.csv", "/v1/stats.xlsx"):
        for headers in (api.school(new_orgnr()), api.member("11111111-1111-4111-8111-111111111111")):
            r = await api.svc.client.get(path, headers=headers)
            assert r.status_code == 403, (path, r.status_code)
        assert (await api.svc.client.get(path)).status_code == 401
