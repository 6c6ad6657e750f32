"""The attention list at national scale: the "report missing" part reads the few unreported visits through its
partial index, not every confirmed visit ever held (300,000 over ten years) checked against completed_visits."""

from datetime import UTC, datetime

from ambassadors_harness import Harness

from ambassadors.adapters.attention import REPORT_MISSING
from ambassadors.domain.attention import REPORT_DUE
from outreach_dev.testing.plans import plan_nodes, reads
from outreach_shared.db import named
from outreach_shared.regions import NATIONAL, Region

FILL = """
INSERT INTO visits (id, request, status, window_start, window_end, confirmed_once, reported_at)
SELECT 'plan-' || g, jsonb_build_object('kommunenummer', CASE WHEN g % 2 = 0 THEN '4601' ELSE '0301' END,
                                        'windows', '[]'::jsonb, 'team_size', 1),
       'confirmed', now() - make_interval(days => g % 3650, hours => 2), now() - make_interval(days => g % 3650),
       true, CASE WHEN g % 9999 = 0 THEN NULL ELSE now() END
FROM generate_series(1, $1) AS g
"""


async def test_unreported_visits_are_found_through_their_index_among_300000_held(harness: Harness) -> None:
    async with harness.pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        try:  # the rows and their statistics are seen by this transaction only, and gone at the rollback
            await conn.execute(FILL, 300_000)
            await conn.execute("ANALYZE visits")
            before = datetime.now(UTC) - REPORT_DUE
            for region in (NATIONAL, Region.of(fylker=["46"])):
                query = named(REPORT_MISSING, before=before, limit=50, **region.params())
                assert reads(await plan_nodes(conn, *query)) in (
                    {"Index Scan on visits_report_missing"},
                    {"Bitmap Heap Scan on visits", "Bitmap Index Scan on visits_report_missing"},
                ), region
                found = await conn.fetch(*query)
                assert len(found) == (30 if region is NATIONAL else 15)  # every 9,999th is unreported, half in each
        finally:
            await tx.rollback()
