"""Limits: requests per minute per school token, open visit requests per school, and request body size."""

import asyncio
import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sec_data import book, random_orgnr, visit_body
from sec_system import BOOKING_RATE_LIMIT, System

MAX_OPEN = 20  # the booking service's default
ONE_MIB = 1024 * 1024
OVERSIZED_TARGETS = {
    "booking": ("POST", "/v1/visit-requests", "school"),
    "ambassadors": ("POST", "/v1/members/import", "organiser"),
    "training": ("POST", "/v1/gatherings", "organiser"),
    "notify": ("PUT", "/v1/me/preferences", "member"),
}


async def test_a_school_token_over_its_rate_gets_429_with_retry_after_and_others_are_unaffected(
    system: System,
) -> None:
    booking, school = system.client("booking"), random_orgnr()
    answers = [
        (await booking.get("/v1/visit-requests", headers=system.auth("school", school))).status_code
        for _ in range(BOOKING_RATE_LIMIT)
    ]
    over = await booking.get("/v1/visit-requests", headers=system.auth("school", school))  # a new token, same school
    assert answers == [200] * BOOKING_RATE_LIMIT
    assert over.status_code == 429
    assert over.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(over.headers["Retry-After"]) <= 60
    assert (await booking.get("/v1/visit-requests", headers=system.auth("school", random_orgnr()))).status_code == 200
    assert (await booking.get("/v1/visit-requests", headers=system.auth("organiser"))).status_code == 200


async def test_one_school_can_have_at_most_twenty_open_requests_even_when_sent_at_once(system: System) -> None:
    school = random_orgnr()
    first_body = visit_body(school)
    first = await _create(system, school, key="first", body=first_body)
    answers = await asyncio.gather(*(_create(system, school) for _ in range(MAX_OPEN + 4)))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [201] * (MAX_OPEN - 1) + [409] * 5, statuses
    refused = next(r for r in answers if r.status_code == 409)
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert f"already has {MAX_OPEN} open visit requests" in refused.json()["detail"]
    replay = await _create(system, school, key="first", body=first_body)  # a retry of an accepted one is answered
    assert replay.status_code == 201 and replay.json()["id"] == first.json()["id"]
    cancelled = await system.client("booking").post(
        f"/v1/visit-requests/{first.json()['id']}/cancel", json={"reason": "ble flyttet"},
        headers=system.auth("school", school),
    )  # fmt: skip
    assert cancelled.status_code == 200
    assert (await _create(system, school)).status_code == 201
    assert (await book(system, random_orgnr()))["status"] == "requested"  # other schools are not held back


async def _create(
    system: System, orgnr: str, *, key: str | None = None, body: dict[str, Any] | None = None
) -> httpx.Response:
    headers = system.auth("school", orgnr) | {"Idempotency-Key": key or secrets.token_hex(8)}
    return await system.client("booking").post("/v1/visit-requests", json=body or visit_body(orgnr), headers=headers)


async def _chunks(total: int, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        chunk = b"x" * min(size, total - sent)
        sent += len(chunk)
        yield chunk


@pytest.mark.parametrize("service", list(OVERSIZED_TARGETS))
async def test_every_service_refuses_bodies_over_one_mib_declared_or_streamed(system: System, service: str) -> None:
    method, path, role = OVERSIZED_TARGETS[service]
    subject = {"school": random_orgnr(), "member": "7f1c0d8e-0000-4000-8000-000000000001"}.get(role)
    headers = system.auth(role, subject) | {"Idempotency-Key": secrets.token_hex(8), "Content-Type": "text/csv"}
    client = system.client(service)
    declared = await client.request(method, path, content=b"x" * (ONE_MIB + 1), headers=headers)
    streamed = await client.request(method, path, content=_chunks(ONE_MIB + 1), headers=headers)
    within = await client.request(method, path, content=b"x" * ONE_MIB, headers=headers)
    assert "content-length" not in streamed.request.headers
    for response in (declared, streamed):
        assert response.status_code == 413, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "larger than the limit" in response.json()["detail"]
    assert within.status_code not in (413, 500), within.text
