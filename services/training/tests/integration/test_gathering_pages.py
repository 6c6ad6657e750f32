"""The organisers' list of gatherings, page by page newest first (keyset by id), within their region.

Counties used here (03, 18) are used by no other test file.
"""

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from training_helpers import gathering_body

from outreach_dev.testing.plans import plan_nodes, reads
from outreach_dev.testing.service import RunningService
from outreach_dev.testing.windows import school_day_start
from outreach_shared import db
from outreach_shared.regions import NATIONAL, Region
from training.adapters.gatherings import page_query
from training.bootstrap import SERVICE
from training.domain.gathering import GatheringStatus


def _in(county: str, kommunenummer: str, days: int) -> dict[str, Any]:
    starts = school_day_start(days)
    body = gathering_body(county, starts_at=starts, ends_at=starts + timedelta(hours=6), sessions=[])
    body["venue"] = {"name": "Thon", "address": "Gata 2", "kommunenummer": kommunenummer}
    return body


async def _created(training: RunningService, body: dict[str, Any]) -> str:
    r = await training.client.post("/v1/gatherings", json=body, headers=training.auth("organiser"))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _page(training: RunningService, region: Region, **params: object) -> list[str]:
    r = await training.client.get(
        "/v1/gatherings", params={"status": "draft", **params}, headers=training.auth("organiser", region=region)
    )
    assert r.status_code == 200, r.text
    return [g["id"] for g in r.json()]


async def test_a_regional_organiser_pages_through_the_regions_gatherings_newest_first(training: RunningService) -> None:
    oldest, middle, newest = [await _created(training, _in("18", "1804", d)) for d in (50, 57, 64)]  # a week apart
    elsewhere = await _created(training, _in("03", "0301", 71))
    nordland = Region.of(fylker=["18"])

    region = await _page(training, nordland, limit=100)  # other tests' gatherings may be there too
    assert region.index(newest) < region.index(middle) < region.index(oldest) and elsewhere not in region
    first = await _page(training, nordland, limit=2)
    assert first == region[:2]
    assert await _page(training, nordland, limit=2, after=first[-1]) == region[2:4]
    assert await _page(training, nordland, after=region[-1]) == []
    # a municipality's organiser sees the gatherings held for its county, and nothing of another county's
    seen = await _page(training, Region.of(kommuner=["1833"]), limit=100)
    assert seen.index(newest) < seen.index(middle) < seen.index(oldest) and elsewhere not in seen
    national = await _page(training, NATIONAL, limit=100)
    assert national.index(elsewhere) < national.index(newest) < national.index(oldest)
    assert await _page(training, Region.of(fylker=["18"]), after="no-such-gathering") == []
    # without limit or after, the list stays as it was: every gathering, soonest first
    r = await training.client.get("/v1/gatherings", params={"status": "draft"}, headers=training.auth("organiser",
                                  region=nordland))  # fmt: skip
    listed = [g["id"] for g in r.json()]
    assert listed.index(oldest) < listed.index(middle) < listed.index(newest)


async def test_only_organisers_list_gatherings_and_bad_paging_is_refused_naming_the_parameter(
    training: RunningService,
) -> None:
    for role, subject in (("member", "5b0a3b4e-7b1d-4a53-a8a0-2c4f1e0d9a11"), ("school", "974760673")):
        r = await training.client.get("/v1/gatherings", params={"limit": 5}, headers=training.auth(role, subject))  # type: ignore[arg-type]
        assert r.status_code == 403, r.text
    assert (await training.client.get("/v1/gatherings", params={"limit": 5})).status_code == 401
    organiser = training.auth("organiser")
    for params, field in (
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": 10**30}, "limit"),
        ({"after": "a\x00b"}, "after"),
        ({"after": "x" * 101}, "after"),
        ({"after": "2026-01-01 00:00"}, "after"),
    ):
        r = await training.client.get("/v1/gatherings", params=params, headers=organiser)
        assert r.status_code == 422, (params, r.text)
        assert field in r.text


async def test_the_openapi_gives_the_pages_bounds(training: RunningService) -> None:
    spec = (await training.client.get("/openapi.json")).json()
    parameters = {p["name"]: p["schema"] for p in spec["paths"]["/v1/gatherings"]["get"]["parameters"]}
    limit = parameters["limit"]["anyOf"][0]
    after = parameters["after"]["anyOf"][0]
    assert (limit["minimum"], limit["maximum"]) == (1, 100)
    assert after["maxLength"] == 100 and after["pattern"]
    participant = spec["components"]["schemas"]["RegistrationOut"]["properties"]
    assert "verification_code" in participant


async def test_on_a_large_table_a_page_of_gatherings_is_read_through_the_index(
    provisioned_dsns: Callable[[str], Awaitable[str]],
) -> None:
    schema = "training_plans"  # tables of their own: the planner weighs only these rows
    dsn = await provisioned_dsns(schema)
    await db.apply_migrations(dsn, schema, SERVICE.migrations_dir)
    pool = await db.create_pool(dsn, schema)
    try:
        await pool.execute(
            """INSERT INTO gatherings (id, title, venue, region, audience, capacity, starts_at, ends_at,
                   registration_opens, registration_closes, withdrawal_deadline, status)
               SELECT 'g' || n, 'Samling', jsonb_build_object('name', 'Thon', 'address', 'Gata',
                          'kommunenummer', (ARRAY['0301', '4601', '1804', '5001'])[1 + n % 4]),
                      ARRAY[(ARRAY['03', '46', '18', '50'])[1 + n % 4]], ARRAY['nurse'], 50,
                      t, t + interval '6 hours', t - interval '60 days', t - interval '20 days',
                      t - interval '10 days', (ARRAY['draft', 'published', 'completed', 'cancelled'])[1 + n % 4]
               FROM generate_series(1, 200000) AS n, LATERAL (SELECT now() - make_interval(hours => n)) AS at(t)"""
        )
        await pool.execute("ANALYZE gatherings")
        for status in (GatheringStatus.PUBLISHED, None):
            for region in (NATIONAL, Region.of(fylker=["18"])):
                query, args = page_query(status=status, region=region, after="g5000", limit=21)
                found = reads(await plan_nodes(pool, query, *args))
                assert found == {"Index Scan on gatherings_newest", "Index Scan on gatherings_pkey"}, found
    finally:
        await pool.close()
