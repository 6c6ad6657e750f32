"""Queries at national scale. The attention list: each part reads the few visits that need a person through its own
partial index, not every visit of ten years (300,000) with its windows' JSON or its completed_visits checked one by
one; a member's own offers through theirs."""

from datetime import UTC, datetime

import pytest
from ambassadors_harness import Harness

from ambassadors.adapters.attention import REPORT_MISSING, TEAM_SHORT_SQL, UNFULFILLED
from ambassadors.adapters.members import ROSTER_PAGE
from ambassadors.adapters.offers import MEMBER_OFFERS
from ambassadors.domain.attention import REPORT_DUE, TEAM_SHORT
from outreach_dev.testing.plans import plan_nodes, reads
from outreach_shared.db import named
from outreach_shared.regions import NATIONAL, Region

FILL = """
INSERT INTO visits (id, request, status, window_start, window_end, last_end, confirmed_once, unfulfilled_at,
                    reported_at)
SELECT 'plan-' || g, jsonb_build_object('kommunenummer', CASE WHEN g % 2 = 0 THEN '4601' ELSE '0301' END,
                                        'windows', '[]'::jsonb, 'team_size', 1),
       CASE WHEN g % 7 = 0 THEN 'open' ELSE 'confirmed' END,
       now() + make_interval(days => 30 - g % 3650, hours => -2), now() + make_interval(days => 30 - g % 3650),
       now() + make_interval(days => 30 - g % 3650), true,
       CASE WHEN g % 7 = 0 THEN now() - make_interval(days => g % 3650) END,
       CASE WHEN g % 9999 = 0 OR g % 7 = 0 OR g % 3650 < 30 THEN NULL ELSE now() END
FROM generate_series(1, $1) AS g
"""
"""Ten years of visits, a new one each day back from a month ahead: every 7th open and once unfulfilled (a team
short while ahead), the others held and reported but every 9,999th."""


@pytest.mark.parametrize(
    ("query", "values", "index"),
    [
        (REPORT_MISSING, lambda now: {"before": now - REPORT_DUE}, "visits_report_missing"),
        (UNFULFILLED, lambda now: {"now": now}, "visits_unfulfilled_ahead"),
        (TEAM_SHORT_SQL, lambda now: {"now": now, "until": now + TEAM_SHORT}, "visits_team_short"),
    ],
    ids=["report missing", "unfulfilled", "team short"],
)
async def test_among_300000_visits_those_that_need_a_person_are_found_through_an_index(
    harness: Harness,
    query: str,
    values,
    index: str,  # noqa: ANN001
) -> None:
    async with harness.pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        try:  # the rows and their statistics are seen by this transaction only, and gone at the rollback
            await conn.execute(FILL, 300_000)
            await conn.execute("ANALYZE visits")
            now = datetime.now(UTC)
            for region in (NATIONAL, Region.of(fylker=["46"])):
                sql = named(query, limit=50, **values(now), **region.params())
                tables = [n for n in await plan_nodes(conn, *sql) if "Relation Name" in n or "Index Name" in n]
                found = reads(tables)  # the tables' reads (not those of a visit's windows, unnested)
                of_visits = {r for r in found if r.endswith((" on visits", f" on {index}"))}
                assert of_visits in (
                    {f"Index Scan on {index}"},
                    {"Bitmap Heap Scan on visits", f"Bitmap Index Scan on {index}"},
                ), (region, found)
                assert await conn.fetch(*sql), region  # and it finds them
        finally:
            await tx.rollback()


OFFERS = """
INSERT INTO offers (id, visit_id, member_id, round, status, window_start, window_end, busy, expires_at, reason)
SELECT gen_random_uuid(), 'plan-' || (g % 300000 + 1),
       ('00000000-0000-4000-8000-' || lpad((g % 5000)::text, 12, '0'))::uuid, 1, 'declined', day,
       day + interval '2 hours', tstzrange(day, day + interval '3 hours'), now(), 'plan'
FROM generate_series(1, $1) AS g, LATERAL (SELECT now() - make_interval(days => g % 3650) AS day) AS d
"""


async def test_a_members_own_offers_are_read_through_their_index_among_730000(harness: Harness) -> None:
    async with harness.pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        try:  # the rows and their statistics are seen by this transaction only, and gone at the rollback
            await conn.execute(FILL, 300_000)
            await conn.execute(OFFERS, 730_000)
            await conn.execute("ANALYZE offers")
            await conn.execute("ANALYZE visits")
            member = "00000000-0000-4000-8000-000000000042"
            found = reads(await plan_nodes(conn, MEMBER_OFFERS, member))
            assert {"Index Scan on offers_by_member", "Bitmap Index Scan on offers_by_member"} & found, found
            assert not [r for r in found if r.startswith("Seq Scan")], found
            assert len(await conn.fetch(MEMBER_OFFERS, member)) == 146  # 730,000 offers over 5,000 members
        finally:
            await tx.rollback()


MEMBERS = """
INSERT INTO members (id, name, email, phone, profession, kommunenummer, fylke, languages, max_visits_per_month,
                     travel_radius_km, weekdays, active)
SELECT gen_random_uuid(), 'Plan ' || lpad(g::text, 6, '0'), 'plan' || g || '@example.no', '+4790000000', 'nurse',
       CASE WHEN g % 2 = 0 THEN '4601' ELSE '0301' END, 'Vestland', '{nb}', 4, 30, '{1,2,3,4,5}', g % 10 <> 0
FROM generate_series(1, $1) AS g
"""


async def test_a_roster_page_after_a_member_is_read_through_the_name_index_not_the_whole_roster(
    harness: Harness,
) -> None:
    async with harness.pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        try:  # the rows and their statistics are seen by this transaction only, and gone at the rollback
            await conn.execute(MEMBERS, 50_000)
            await conn.execute("ANALYZE members")
            middle = await conn.fetchval("SELECT id FROM members WHERE name = 'Plan 025000'")
            for after, active in ((None, None), (middle, None), (middle, True)):
                values = {"numbers": None, "profession": None, "active": active, "language": None,
                          "trained_year": None, "pattern": None, "after": after, "limit": 51, "offset": 0}  # fmt: skip
                nodes = await plan_nodes(conn, *named(ROSTER_PAGE, **values))
                found = reads(nodes)
                assert "Index Scan on members_by_name" in found, found
                assert not [r for r in found if r.startswith("Seq Scan")], found
                by_name = next(n for n in nodes if n.get("Index Name") == "members_by_name")
                assert after is None or "Index Cond" in by_name, by_name  # it starts at the member, not at 'A'
                page = await conn.fetch(*named(ROSTER_PAGE, **values))
                assert len(page) == 51
                assert after is None or page[0]["name"] == "Plan 025001"
        finally:
            await tx.rollback()
