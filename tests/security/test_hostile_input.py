"""Hostile input at the edge of every service: control characters in text, NUL and junk in paths and queries, and
time windows out of range. Each is a 4xx problem+json naming what was wrong, never a 5xx."""

import secrets
import uuid
from typing import Any

import httpx
import pytest
from sec_data import gathering_body, member_body, random_orgnr, visit_body
from sec_system import System

from outreach_shared.auth import Role

JUNK_IN_PATHS_AND_QUERIES = [
    ("booking", "/v1/visit-requests/%00", "school"),
    ("booking", "/v1/visit-requests/%00/calendar.ics", "school"),
    ("booking", "/v1/visit-requests/not-a-uuid", "school"),
    ("booking", "/v1/visit-requests?school=%00", "organiser"),
    ("booking", "/v1/visit-requests?kommunenummer=%00", "organiser"),
    ("booking", "/v1/visit-requests/%00/survey", "organiser"),
    ("booking", "/v1/surveys/%00", "school"),
    ("booking", "/v1/surveys/" + "A" * 10_240, "school"),
    ("ambassadors", "/v1/members/%00", "organiser"),
    ("ambassadors", "/v1/members?kommunenummer=%00", "organiser"),
    ("ambassadors", "/v1/members?fylke=%00", "organiser"),
    ("training", "/v1/gatherings/%00", "organiser"),
    ("training", "/v1/gatherings/not-a-uuid/participants", "organiser"),
    ("training", "/v1/gatherings/%00/registrations/me", "member"),
    ("notify", "/v1/reminders?visit_id=%00", "organiser"),
    ("notify", "/v1/reminders?gathering_id=%00", "organiser"),
    ("notify", "/v1/notifications?recipient=member:%00", "organiser"),
    ("notify", "/v1/notifications?recipient=school:%01%02", "organiser"),
]


def _assert_problem(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    assert response.status_code in statuses, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    return body


def _fields(problem: dict[str, Any]) -> set[str]:
    return {e["field"] for e in problem.get("errors") or []}


@pytest.mark.parametrize(("service", "url", "role"), JUNK_IN_PATHS_AND_QUERIES)
async def test_nul_and_junk_in_a_path_or_query_is_a_clean_4xx(
    system: System, service: str, url: str, role: Role
) -> None:
    subject = {"member": str(uuid.uuid4()), "school": random_orgnr()}.get(role)
    response = await system.client(service).get(url, headers=system.auth(role, subject))
    _assert_problem(response, 404, 422)


@pytest.mark.parametrize("bad", ["Kari\x00Nordmann", "Kari\x07Nordmann", "Kari\u202eNordmann", "Kari\nNordmann"])
async def test_control_and_bidi_characters_in_a_members_name_are_refused_naming_the_field(
    system: System, bad: str
) -> None:
    response = await system.client("ambassadors").post(
        "/v1/members", json=member_body(name=bad), headers=system.auth("organiser")
    )
    assert "name" in _fields(_assert_problem(response, 422))


@pytest.mark.parametrize(
    ("section", "field", "bad"),
    [
        ("school", "name", "Skole\x00"),
        ("school", "address", "Vei\x1b[31m 1"),
        ("contact", "name", "Rita\u2066X"),
        ("audience", "description", "10.\x00trinn"),
    ],
)
async def test_control_characters_in_a_visit_request_are_refused_naming_the_field(
    system: System, section: str, field: str, bad: str
) -> None:
    orgnr = random_orgnr()
    body = visit_body(orgnr)
    body[section][field] = bad
    response = await system.client("booking").post(
        "/v1/visit-requests",
        json=body,
        headers=system.auth("school", orgnr) | {"Idempotency-Key": secrets.token_hex(8)},
    )
    assert f"{section}.{field}" in _fields(_assert_problem(response, 422))


async def test_notes_may_hold_several_lines_but_no_nul(system: System) -> None:
    orgnr = random_orgnr()
    headers = system.auth("school", orgnr)
    fine = visit_body(orgnr) | {"notes": "Linje 1\nLinje 2\tmed tab"}
    created = await system.client("booking").post(
        "/v1/visit-requests", json=fine, headers=headers | {"Idempotency-Key": secrets.token_hex(8)}
    )
    assert created.status_code == 201, created.text
    bad = visit_body(orgnr) | {"notes": "Linje 1\x00"}
    refused = await system.client("booking").post(
        "/v1/visit-requests", json=bad, headers=headers | {"Idempotency-Key": secrets.token_hex(8)}
    )
    assert "notes" in _fields(_assert_problem(refused, 422))


async def test_a_visit_window_in_year_9999_is_refused_naming_the_field(system: System) -> None:
    orgnr = random_orgnr()
    body = visit_body(orgnr)
    body["windows"] = [{"start": "9999-12-31T21:00:00+00:00", "end": "9999-12-31T22:00:00+00:00"}]
    response = await system.client("booking").post(
        "/v1/visit-requests",
        json=body,
        headers=system.auth("school", orgnr) | {"Idempotency-Key": secrets.token_hex(8)},
    )
    assert "windows.0.start" in _fields(_assert_problem(response, 422))


@pytest.mark.parametrize(
    ("section", "field", "bad"),
    [("venue", "name", "Hall\x00"), ("venue", "address", "Gate\x0b1"), (None, "title", "T\x00")],
)
async def test_control_characters_in_a_gathering_are_refused_naming_the_field(
    system: System, section: str | None, field: str, bad: str
) -> None:
    body = gathering_body()
    (body[section] if section else body)[field] = bad
    response = await system.client("training").post("/v1/gatherings", json=body, headers=system.auth("organiser"))
    named = f"{section}.{field}" if section else field
    assert named in _fields(_assert_problem(response, 422))
