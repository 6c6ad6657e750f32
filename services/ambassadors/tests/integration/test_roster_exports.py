"""The roster as CSV and XLSX: the list's rows under the same parameters, within the region, formula-safe."""

import csv
import io
import uuid
from typing import Any

import openpyxl
from ambassadors_harness import Harness

from outreach_shared.regions import Region

HOSTILE = '=HYPERLINK("http://evil.example","klikk")'


def csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_sheet(body: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(body)).active


async def test_roster_exports_hold_the_lists_rows_within_the_region(harness: Harness) -> None:
    h = harness
    employer = f"Sykehus {uuid.uuid4().hex[:6]}"
    hostile = await h.add_member("Hostile", kommunenummer="5001", employer=employer)
    r = await h.svc.client.patch(f"/v1/members/{hostile}", json={"name": HOSTILE}, headers=h.svc.auth("organiser"))
    assert r.status_code == 200, r.text
    oslo = await h.add_member("Ola Oslo", kommunenummer="0301", profession="health_worker")
    national, trondelag = h.svc.auth("organiser"), h.svc.auth("organiser", region=Region.of(fylker=["50"]))
    for params, headers in (
        ({}, national),
        ({"fylke": "50", "profession": "nurse"}, national),
        ({"kommunenummer": "0301", "active": "true"}, national),
        ({}, trondelag),
    ):
        listed = await h.svc.client.get("/v1/members", params={**params, "limit": 1000}, headers=headers)
        expected = [m["id"] for m in listed.json()]
        as_csv = await h.svc.client.get("/v1/members.csv", params={**params, "limit": 1000}, headers=headers)
        assert as_csv.status_code == 200, as_csv.text
        assert as_csv.headers["content-disposition"] == 'attachment; filename="members.csv"'
        rows = csv_rows(as_csv.content)
        assert rows[0][:2] == ["id", "name"] and [r[0] for r in rows[1:]] == expected
        as_xlsx = await h.svc.client.get("/v1/members.xlsx", params=params, headers=headers)
        assert as_xlsx.status_code == 200, as_xlsx.text
        assert as_xlsx.headers["content-disposition"] == 'attachment; filename="members.xlsx"'
        cells = [list(r) for r in xlsx_sheet(as_xlsx.content).iter_rows(values_only=True)]
        assert [r[0] for r in cells[1:]] == expected

    regional = csv_rows((await h.svc.client.get("/v1/members.csv", headers=trondelag)).content)
    ids = [r[0] for r in regional[1:]]
    assert hostile in ids and oslo not in ids
    row = regional[1 + ids.index(hostile)]
    assert row[1] == "'" + HOSTILE, "a formula is neutralised with a leading quote in CSV"
    sheet = xlsx_sheet((await h.svc.client.get("/v1/members.xlsx", headers=trondelag)).content)
    line = 2 + ids.index(hostile)
    assert sheet.cell(row=line, column=2).value == HOSTILE and sheet.cell(row=line, column=2).data_type == "s"


async def test_only_organisers_download_the_roster(harness: Harness) -> None:
    h = harness
    for path in ("/v1/members.csv", "/v1/members.xlsx"):
        assert (await h.svc.client.get(path, headers=h.svc.auth("school", "974760673"))).status_code == 403
        member = h.svc.auth("member", "11111111-1111-4111-8111-111111111111")
        assert (await h.svc.client.get(path, headers=member)).status_code == 403
        assert (await h.svc.client.get(path, params={"limit": 0}, headers=h.svc.auth("organiser"))).status_code == 422
