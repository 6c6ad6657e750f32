"""Two visits matched at the same moment never double-book a member: the database refuses it."""

import asyncio
import uuid
from datetime import timedelta

import asyncpg
import pytest
from ambassadors_harness import Harness, slot

from ambassadors.service_layer.unit_of_work import AmbassadorsUnit
from ambassadors.service_layer.visits import visit_requested
from outreach_shared.contracts.booking import VisitRequested
from outreach_shared.skeleton import Scope


async def _insert_offer(conn: asyncpg.Connection, visit_id: str, member_id: str, hour: int) -> None:
    window = slot(5, 2, hour=hour)
    await conn.execute("INSERT INTO visits (id, request) VALUES ($1, '{}') ON CONFLICT DO NOTHING", visit_id)
    await conn.execute(
        """INSERT INTO offers (id, visit_id, member_id, round, status, window_start, window_end, busy, expires_at,
                               reason)
           VALUES ($1, $2, $3, 1, 'offered', $4, $5,
                   tstzrange($4::timestamptz, $5::timestamptz + interval '60 minutes'), $4, 'test')""",
        uuid.uuid4(),
        visit_id,
        member_id,
        window.start,
        window.end,
    )


async def test_the_database_refuses_a_concurrent_overlapping_offer(empty_roster: Harness) -> None:
    h = empty_roster
    member = await h.add_member("Contested")
    async with h.pool.acquire() as first, h.pool.acquire() as second:
        t1 = first.transaction()
        await t1.start()
        await _insert_offer(first, "race-a", member, hour=9)
        t2 = second.transaction()
        await t2.start()
        blocked = asyncio.create_task(_insert_offer(second, "race-b", member, hour=10))
        await asyncio.sleep(0.3)
        assert not blocked.done(), "the second transaction must wait for the member's lock"
        await t1.commit()
        with pytest.raises(asyncpg.ExclusionViolationError, match="already holds"):
            await blocked
        await t2.rollback()


async def test_concurrent_matching_never_double_books(empty_roster: Harness) -> None:
    h = empty_roster
    for i in range(3):
        await h.add_member(f"Member {i}")
    window = slot(5, 4)
    requests = [
        VisitRequested(
            visit_id=f"race-{uuid.uuid4().hex[:8]}",
            orgnr="974760673",
            school_name=f"Skole {i}",
            school_address="Vei 1",
            kommunenummer="5001",
            kind="school_visit",
            audience_description="VG1",
            pupils=20,
            professions=["nurse"],
            language="nb",
            windows=[window.model_copy(update={"start": window.start + timedelta(minutes=10 * i)})],
            team_size=1,
        )
        for i in range(8)
    ]
    config = h.svc.runtime.settings.matching_config()  # type: ignore[attr-defined]

    async def match(request: VisitRequested) -> None:
        async with h.pool.acquire() as conn, conn.transaction():
            scope = Scope(now=h.svc.runtime.clock.now(), producer="test", correlation_id="race")  # events not written
            await visit_requested(AmbassadorsUnit(conn, scope, config=config), request)

    await asyncio.gather(*(match(r) for r in requests))
    rows = await h.pool.fetch("SELECT member_id, count(*) AS n FROM offers WHERE status = 'offered' GROUP BY 1")
    assert len(rows) == 3 and all(r["n"] == 1 for r in rows)
    assert await h.pool.fetchval("SELECT count(*) FROM visits") == 8
