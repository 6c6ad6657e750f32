"""Idempotent create: retries with the same key, even concurrent ones, make one visit."""

import asyncio
import json
from datetime import timedelta

from booking_testkit import Api, KafkaTap, MovableClock, new_orgnr, request_body

from booking.adapters.idempotency import expired_keys
from outreach_dev.testing.plans import plan_nodes, reads
from outreach_shared.housekeeping import purge


async def _count(api: Api, sql: str, *args: object) -> int:
    async with api.svc.runtime.pool.acquire() as conn:
        return int(await conn.fetchval(sql, *args))


async def test_concurrent_retries_with_one_key_create_one_visit_and_one_event(api: Api, tap: KafkaTap) -> None:
    orgnr = new_orgnr()
    headers = {**api.school(orgnr), "Idempotency-Key": "same-key"}
    body = request_body(orgnr)
    responses = await asyncio.gather(
        *(api.svc.client.post("/v1/visit-requests", json=body, headers=headers) for _ in range(8))
    )
    assert {r.status_code for r in responses} == {201}
    ids = {r.json()["id"] for r in responses}
    assert len(ids) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 7
    assert await _count(api, "SELECT count(*) FROM visits WHERE orgnr = $1", orgnr) == 1
    assert await _count(api, "SELECT count(*) FROM idempotency_keys WHERE orgnr = $1", orgnr) == 1
    (visit_id,) = ids
    assert await _count(api, "SELECT count(*) FROM outbox WHERE key = $1", visit_id) == 2  # requested + contact
    await tap.wait_for(visit_id, "visit.requested")


async def test_a_later_retry_returns_the_first_response(api: Api) -> None:
    orgnr = new_orgnr()
    headers = {**api.school(orgnr), "Idempotency-Key": "retry-later"}
    first = await api.svc.client.post("/v1/visit-requests", json=request_body(orgnr), headers=headers)
    second = await api.svc.client.post("/v1/visit-requests", json=request_body(orgnr), headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json() == {"id": first.json()["id"], "status": "requested"}
    assert await _count(api, "SELECT count(*) FROM visits WHERE orgnr = $1", orgnr) == 1


async def test_the_same_key_with_a_different_body_is_422(api: Api) -> None:
    orgnr = new_orgnr()
    headers = {**api.school(orgnr), "Idempotency-Key": "reused"}
    first = await api.svc.client.post("/v1/visit-requests", json=request_body(orgnr), headers=headers)
    assert first.status_code == 201
    other = request_body(orgnr, team_size=3)
    r = await api.svc.client.post("/v1/visit-requests", json=other, headers=headers)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "Idempotency-Key" and "different request" in r.json()["detail"]
    assert await _count(api, "SELECT count(*) FROM visits WHERE orgnr = $1", orgnr) == 1


async def test_a_retry_written_differently_but_meaning_the_same_gets_the_first_response(api: Api) -> None:
    orgnr = new_orgnr()
    headers = {**api.school(orgnr), "Idempotency-Key": "rewritten", "Content-Type": "application/json"}
    body = request_body(orgnr)
    first = await api.svc.client.post("/v1/visit-requests", json=body, headers=headers)
    reordered = {k: (dict(reversed(v.items())) if isinstance(v, dict) else v) for k, v in reversed(body.items())}
    rewritten = json.dumps(reordered, indent=2).encode()  # other field order, other white space
    again = await api.svc.client.post("/v1/visit-requests", content=rewritten, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert await _count(api, "SELECT count(*) FROM visits WHERE orgnr = $1", orgnr) == 1


async def test_keys_belong_to_one_school(api: Api) -> None:
    school_a, school_b = new_orgnr(), new_orgnr()
    for orgnr in (school_a, school_b):
        headers = {**api.school(orgnr), "Idempotency-Key": "shared-name"}
        r = await api.svc.client.post("/v1/visit-requests", json=request_body(orgnr), headers=headers)
        assert r.status_code == 201 and "Idempotent-Replayed" not in r.headers


async def test_a_retry_after_its_windows_came_too_close_still_gets_the_first_response(
    api: Api, clock: MovableClock
) -> None:
    orgnr = new_orgnr()
    headers = {**api.school(orgnr), "Idempotency-Key": "retry-next-week"}
    first = await api.svc.client.post("/v1/visit-requests", json=request_body(orgnr), headers=headers)
    clock.advance(timedelta(days=10))  # the window is now 4 days ahead, under the 7 days' notice
    again = await api.svc.client.post("/v1/visit-requests", json=request_body(orgnr), headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    fresh = {**headers, "Idempotency-Key": "new-key"}
    refused = await api.svc.client.post("/v1/visit-requests", json=request_body(orgnr), headers=fresh)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "windows.0.start"


async def test_a_key_is_forgotten_after_its_retention_and_a_recent_one_is_not(api: Api) -> None:
    orgnr = new_orgnr()
    headers = {**api.school(orgnr), "Idempotency-Key": "old-key"}
    recent_headers = {**api.school(orgnr), "Idempotency-Key": "recent-key"}
    first = await api.svc.client.post("/v1/visit-requests", json=request_body(orgnr), headers=headers)
    recent = await api.svc.client.post("/v1/visit-requests", json=request_body(orgnr), headers=recent_headers)
    pool = api.svc.runtime.pool
    await pool.execute(
        "UPDATE idempotency_keys SET created_at = now() - interval '8 days' WHERE orgnr = $1 AND key = 'old-key'", orgnr
    )
    assert await purge(pool, expired_keys(24 * 7)) >= 1
    again = await api.svc.client.post("/v1/visit-requests", json=request_body(orgnr), headers=headers)
    recent_again = await api.svc.client.post("/v1/visit-requests", json=request_body(orgnr), headers=recent_headers)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert again.json()["id"] != first.json()["id"]  # a new request now
    assert recent_again.headers["Idempotent-Replayed"] == "true" and recent_again.json() == recent.json()


async def test_on_a_large_table_expired_keys_are_found_through_an_index_not_by_reading_it_all(api: Api) -> None:
    orgnr, pool, keys = new_orgnr(), api.svc.runtime.pool, expired_keys(24 * 7)
    await pool.execute(
        "INSERT INTO idempotency_keys (orgnr, key, request_hash, created_at) "
        "SELECT $1, 'k' || g, 'h', now() - make_interval(secs => $2 - g) FROM generate_series(1, $2) AS g",
        orgnr, 200_000,
    )  # fmt: skip
    try:
        await pool.execute("ANALYZE idempotency_keys")
        assert reads(await plan_nodes(pool, keys.due_rows(), keys.keep_hours, 5000)) == {
            "Bitmap Heap Scan on idempotency_keys",
            "Bitmap Index Scan on idempotency_keys_created_at",
        }
    finally:
        await pool.execute("DELETE FROM idempotency_keys WHERE orgnr = $1", orgnr)
