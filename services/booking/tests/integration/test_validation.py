"""Every bad field is refused with a problem+json detail that names it."""

from datetime import timedelta
from typing import Any

import pytest
from booking_testkit import SOMEONE, START, Api, new_orgnr, request_body


def window(days: float, hours: float = 2) -> dict[str, str]:
    start = START + timedelta(days=days)
    return {"start": start.isoformat().replace("+00:00", "Z"), "end": (start + timedelta(hours=hours)).isoformat()}


CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("school orgnr check digit", {"school": {"orgnr": "974760674"}}, "school.orgnr", "mod-11"),
    ("school name empty", {"school": {"name": ""}}, "school.name", "at least 1 character"),
    ("unknown kommunenummer", {"school": {"kommunenummer": "9999"}}, "school.kommunenummer", "unknown kommunenummer"),
    ("old kommunenummer", {"school": {"kommunenummer": "3001"}}, "school.kommunenummer", "no longer in use"),
    ("address missing", {"school": {"address": None}}, "school.address", "valid string"),
    ("contact e-mail", {"contact": {"email": "kari@"}}, "contact.email", "email"),
    ("contact phone", {"contact": {"phone": "12"}}, "contact.phone", "phone"),
    ("kind", {"kind": "concert"}, "kind", "school_visit"),
    ("audience pupils", {"audience": {"pupils": -3}}, "audience.pupils", "greater than or equal to 1"),
    ("no professions", {"professions": []}, "professions", "at least 1"),
    ("unknown profession", {"professions": ["doctor"]}, "professions.0", "nurse"),
    ("language", {"language": "sv"}, "language", "nb"),
    ("no windows", {"windows": []}, "windows", "at least 1"),
    ("six windows", {"windows": [window(10)] * 6}, "windows", "at most 5"),
    ("window without offset", {"windows": [{"start": "2027-04-01T09:00:00", "end": "2027-04-01T11:00:00+02:00"}]},
     "windows.0.start", "timezone"),
    ("window too soon", {"windows": [window(10), window(3)]}, "windows.1.start", "at least 7 days ahead"),
    ("window in the past", {"windows": [window(-1)]}, "windows.0.start", "at least 7 days ahead"),
    ("window ends first", {"windows": [window(10, hours=-2)]}, "windows.0.end", "end must be after the start"),
    ("window in year 9999", {"windows": [{"start": "9999-12-31T23:00:00+00:00", "end": "9999-12-31T23:30:00+00:00"}]},
     "windows.0.start", "at most 548 days ahead"),
    ("window in year 1", {"windows": [{"start": "0001-01-01T10:00:00+01:00", "end": "0001-01-01T11:00:00+01:00"}]},
     "windows.0.start", "at least 7 days ahead"),
    ("window on a Sunday", {"windows": [window(13)]}, "windows.0.start", "Sunday"),
    ("window at night", {"windows": [{"start": "2027-03-16T01:30:00+01:00", "end": "2027-03-16T03:30:00+01:00"}]},
     "windows.0.start", "outside Monday–Friday 08:00–16:00"),
    ("window at a repeated hour", {"kind": "education_fair", "windows": [
        {"start": "2027-10-31T02:30:00+02:00", "end": "2027-10-31T02:30:00+01:00"}]},
     "windows.0.start", "happens twice in Europe/Oslo"),
    ("NUL in the school's name", {"school": {"name": "Byskolen\u0000"}}, "school.name", "control character"),
    ("escape in the address", {"school": {"address": "Gata \u001b[2J1"}}, "school.address", "control character"),
    ("bidi override in a name", {"contact": {"name": "Kari \u202eLærer"}}, "contact.name", "bidirectional"),
    ("NUL in the notes", {"notes": "Ta med\u0000 brosjyrer"}, "notes", "other than newline and tab"),
    ("kommunenummer 0000", {"school": {"kommunenummer": "0000"}}, "school.kommunenummer", "unknown kommunenummer"),
    ("phone with letters", {"contact": {"phone": "+47 FLOWERS"}}, "contact.phone", "pattern"),
    ("team size", {"team_size": 5}, "team_size", "less than or equal to 4"),
    ("unknown field", {"budget": 100}, "budget", "Extra inputs"),
]  # fmt: skip


def merged(orgnr: str, change: dict[str, Any]) -> dict[str, Any]:
    body = request_body(orgnr)
    for key, value in change.items():
        body[key] = {**body[key], **value} if isinstance(value, dict) and key in body else value
    return body


@pytest.mark.parametrize(("name", "change", "field", "says"), CASES, ids=[c[0] for c in CASES])
async def test_a_bad_field_is_a_422_problem_naming_it(
    api: Api, name: str, change: dict[str, Any], field: str, says: str
) -> None:
    orgnr = new_orgnr()
    headers = {**api.school(orgnr), "Idempotency-Key": f"validation-{name}"}
    r = await api.svc.client.post("/v1/visit-requests", json=merged(orgnr, change), headers=headers)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert [e["field"] for e in problem["errors"]] == [field]
    assert field in problem["detail"] and says in problem["detail"]
    assert problem["status"] == 422 and problem["instance"] == "/v1/visit-requests"


async def test_an_invalid_request_leaves_no_visit_and_frees_its_key(api: Api) -> None:
    orgnr = new_orgnr()
    headers = {**api.school(orgnr), "Idempotency-Key": "retry-after-fix"}
    bad = await api.svc.client.post("/v1/visit-requests", json=merged(orgnr, {"windows": [window(2)]}), headers=headers)
    assert bad.status_code == 422
    good = await api.svc.client.post("/v1/visit-requests", json=request_body(orgnr), headers=headers)
    assert good.status_code == 201, good.text


async def test_the_idempotency_key_header_is_required(api: Api) -> None:
    orgnr = new_orgnr()
    r = await api.svc.client.post("/v1/visit-requests", json=request_body(orgnr), headers=api.school(orgnr))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "header.Idempotency-Key"


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": 201}, "query.limit"), ({"limit": 0}, "query.limit"), ({"offset": -1}, "query.offset"),
     ({"status": "lost"}, "query.status.0"), ({"kommunenummer": "03"}, "query.kommunenummer")],
)  # fmt: skip
async def test_bad_list_parameters_are_422(api: Api, params: dict[str, Any], field: str) -> None:
    r = await api.svc.client.get("/v1/visit-requests", params=params, headers=api.organiser())
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == field


@pytest.mark.parametrize(
    ("params", "field"),
    [({"kommunenummer": "0000"}, "query.kommunenummer"), ({"to": "9999-12-31"}, "query.to"),
     ({"from": "0001-01-01"}, "query.from"), ({"school_year": "9999/00"}, "school_year")],
)  # fmt: skip
async def test_filters_out_of_range_are_422_in_lists_and_figures(api: Api, params: dict[str, Any], field: str) -> None:
    for path in ("/v1/visit-requests", "/v1/stats"):
        r = await api.svc.client.get(path, params=params, headers=api.organiser())
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, r.text


async def test_rating_and_report_values_are_checked(api: Api) -> None:
    orgnr = new_orgnr()
    visit_id = await api.create(orgnr)
    for rating in (0, 6):
        r = await api.svc.client.post(
            f"/v1/visit-requests/{visit_id}/rating", json={"rating": rating}, headers=api.school(orgnr)
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "rating"
    r = await api.svc.client.post(
        f"/v1/visit-requests/{visit_id}/report", json={"pupils_reached": -1}, headers=api.member(SOMEONE)
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "pupils_reached"
