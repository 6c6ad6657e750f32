"""The organisers' visit list pages by keyset (`after`, `next`), may skip its count, and at national scale the list's
page and the impact figures of one school year read through indexes, not the whole table."""

from typing import Any

import asyncpg
from booking_testkit import START, Api, new_orgnr

from booking.adapters.queries import VisitQueries, page_query, stats_query
from booking.domain.listing import PageKey, VisitFilter
from booking.domain.stats import Stats, tally
from booking.domain.times import OSLO
from outreach_dev.testing.plans import plan_nodes, reads
from outreach_shared.regions import Region


async def test_keyset_pages_follow_one_another_to_the_last_whose_next_is_null(api: Api) -> None:
    orgnr = new_orgnr()
    created = [await api.create(orgnr) for _ in range(5)]
    url, headers = "/v1/visit-requests", api.school(orgnr)
    seen: list[str] = []
    params: dict[str, str | int] = {"limit": 2, "count": "false"}
    for expected_next in (True, True, False):
        r = await api.svc.client.get(url, params=params, headers=headers)
        assert r.status_code == 200, r.text
        page = r.json()
        assert page["total"] is None  # not counted when asked not to
        assert (page["next"] is not None) is expected_next
        seen += [i["id"] for i in page["items"]]
        params = {"limit": 2, "count": "false", "after": page["next"] or ""}
    assert seen == created
    counted = (await api.svc.client.get(url, params={"limit": 2}, headers=headers)).json()
    assert counted["total"] == 5 and counted["offset"] == 0  # offset paging and the count still work by default
    after_two = (await api.svc.client.get(url, params={"limit": 2, "after": counted["next"]}, headers=headers)).json()
    assert [i["id"] for i in after_two["items"]] == created[2:4]
    last = (await api.svc.client.get(url, params={"limit": 5}, headers=headers)).json()
    assert last["next"] is None and len(last["items"]) == 5


async def test_a_cursor_that_is_not_ours_is_refused_naming_the_field(api: Api) -> None:
    for bad in ("x", "bm90LWEtY3Vyc29y", PageKey(START.replace(tzinfo=None), 1).cursor(), "a" * 101, "a\x00b"):
        r = await api.svc.client.get("/v1/visit-requests", params={"after": bad}, headers=api.organiser())
        assert r.status_code in (400, 422), (bad, r.text)
        assert "after" in r.text, r.text
    far = PageKey(START.replace(year=9999), 2**62).cursor()
    r = await api.svc.client.get("/v1/visit-requests", params={"after": far}, headers=api.organiser())
    assert r.status_code == 200 and r.json()["items"] == [] and r.json()["next"] is None


def _year(label: str, region: Region | None = None) -> VisitFilter:
    first = START.replace(year=int(label[:4]), month=8, day=1, hour=0, tzinfo=OSLO)
    f = VisitFilter(date_from=first, date_to=first.replace(year=first.year + 1))
    return f.for_region(region) if region else f


FILL = """
INSERT INTO visits (id, orgnr, school_name, school_address, kommunenummer, county_number, kind, audience_description,
                    pupils, professions, language, team_size, windows, status, visit_date, ever_confirmed,
                    pupils_reached, rating, created_at)
SELECT 'plan-' || g, lpad((g % 3000)::text, 9, '9'), 'Skole', 'Gata 1', k.nr, left(k.nr, 2), 'school_visit', 'x',
       25, ARRAY['nurse'], 'nb', 2, '[]', (ARRAY['completed', 'cancelled', 'unfulfilled', 'confirmed'])[1 + g / 8 % 4],
       d, g / 8 % 4 = 0, CASE WHEN g / 8 % 4 = 0 THEN 25 END,
       CASE WHEN g / 8 % 4 = 0 AND g % 3 = 0 THEN ('{"score": ' || 1 + g % 5 || '}')::jsonb END,
       d - interval '30 days'
FROM generate_series(1, $1) AS g
CROSS JOIN LATERAL (SELECT (ARRAY['0301', '4601', '5001', '1103', '3201', '1804', '5501', '4204'])[1 + g % 8] AS nr) k
CROSS JOIN LATERAL (SELECT timestamptz '2020-08-01 08:00+00' + (g * interval '1 second' * 1051) AS d) t
"""
"""300,000 visits over ten school years (one every ~17.5 minutes), in eight kommuner of eight fylker."""


async def test_at_national_scale_a_list_page_and_a_school_years_figures_read_through_indexes(api: Api) -> None:
    vestland = Region.of(fylker=["46"])
    async with api.svc.runtime.pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        try:  # the rows and their statistics are seen by this transaction only, and gone at the rollback
            await conn.execute(FILL, 300_000)
            await conn.execute("ANALYZE visits")
            assert await _reads(conn, *page_query(VisitFilter(), limit=51)) == {"Index Scan on visits_by_creation"}
            after = PageKey(START.replace(year=2024), 10**6)
            regional = VisitFilter(status=("completed",)).for_region(vestland)
            assert await _reads(conn, *page_query(regional, limit=51, after=after)) == {
                "Index Scan on visits_by_creation"
            }
            for f in (_year("2026"), _year("2026", vestland)):  # a school year's page: its dates' visits only
                assert await _reads(conn, *page_query(f, limit=51)) in (
                    {"Index Scan on visits_by_date"},
                    {"Bitmap Heap Scan on visits", "Bitmap Index Scan on visits_by_date"},
                ), f
                assert await _reads(conn, *stats_query(f)) in (
                    {"Index Scan on visits_by_date"},
                    {"Bitmap Heap Scan on visits", "Bitmap Index Scan on visits_by_date"},
                ), f
                summed, reference = await VisitQueries(conn).stats(f), tally(await VisitQueries(conn).stats_rows(f))
                assert _figures(summed) == _figures(reference)
                assert summed.total.requested > 3000 and summed.total.ratings > 0 and len(summed.by_month) == 12
        finally:
            await tx.rollback()


def _figures(stats: Stats) -> dict[str, Any]:
    """Every figure of every group, as the API shows them."""
    groups = ("by_municipality", "by_county", "by_school_year", "by_profession", "by_kind", "by_month")
    return {"total": stats.total.figures()} | {
        g: {key: c.figures() for key, c in getattr(stats, g).items()} for g in groups
    }


async def _reads(conn: asyncpg.Connection, sql: str, *args: object) -> set[str]:
    tables = [n for n in await plan_nodes(conn, sql, *args) if "Relation Name" in n or "Index Name" in n]
    found = reads(tables)  # the tables' reads (not those of unnest or of a subquery)
    assert not any(r.startswith("Seq Scan") for r in found), found
    return found
