"""The attention list's queries: visits and offers that need an organiser, within a region."""

from datetime import datetime

import asyncpg

from ambassadors.domain.attention import OFFER_EXPIRING, REPORT_DUE, TEAM_SHORT, Attention
from outreach_shared.db import named
from outreach_shared.regions import REGION_SQL, Region

_IN_REGION = REGION_SQL.format(column="v.request->>'kommunenummer'")
_FIRST_START = "(SELECT min((w->>'start')::timestamptz) FROM jsonb_array_elements(v.request->'windows') w)"

UNFULFILLED = f"""
SELECT v.id, v.request->>'kommunenummer' AS kommunenummer, coalesce(v.window_start, {_FIRST_START}) AS at,
       v.unfulfilled_reason
FROM visits v
WHERE v.unfulfilled_at IS NOT NULL AND v.status IN ('open', 'released') AND v.last_end > :now AND {_IN_REGION}
ORDER BY at, v.id LIMIT :limit
"""
_OFFERS_EXPIRING = f"""
SELECT o.id, o.visit_id, v.request->>'kommunenummer' AS kommunenummer, o.expires_at, o.window_start
FROM offers o JOIN visits v ON v.id = o.visit_id
WHERE o.status = 'offered' AND o.expires_at > :now AND o.expires_at <= :until AND {_IN_REGION}
ORDER BY o.expires_at, o.id LIMIT :limit
"""
TEAM_SHORT_SQL = f"""
SELECT v.id, v.request->>'kommunenummer' AS kommunenummer, v.window_start,
       greatest((v.request->>'team_size')::int, 1) - (SELECT count(*) FROM offers o
           WHERE o.visit_id = v.id AND o.round = v.round AND o.status = 'accepted') AS missing
FROM visits v
WHERE v.status = 'open' AND v.confirmed_once AND v.window_start > :now AND v.window_start <= :until AND {_IN_REGION}
ORDER BY v.window_start, v.id LIMIT :limit
"""
REPORT_MISSING = f"""
SELECT v.id, v.request->>'kommunenummer' AS kommunenummer, v.window_end
FROM visits v
WHERE v.status = 'confirmed' AND v.window_end < :before
  AND v.reported_at IS NULL AND {_IN_REGION}
ORDER BY v.window_end, v.id LIMIT :limit
"""
"""Visits held whose report is missing: read through the partial index `visits_report_missing` (a test checks)."""


class AttentionRepository:
    """Visits and offers that need a person now."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def _fetch(self, sql: str, region: Region, **values: object) -> list[asyncpg.Record]:
        return await self.conn.fetch(*named(sql, **values, **region.params()))

    async def items(self, *, now: datetime, region: Region, limit: int) -> list[Attention]:
        """Every kind of item the service knows of (up to `limit` of each), in the region."""
        items = [
            Attention("unfulfilled", r["id"], "visit", r["kommunenummer"], r["at"],
                      f"no team found: {r['unfulfilled_reason']}", visit_id=r["id"])
            for r in await self._fetch(UNFULFILLED, region, now=now, limit=limit)
        ]  # fmt: skip
        items += [
            Attention("offer_expiring", str(r["id"]), "offer", r["kommunenummer"], r["expires_at"],
                      f"offer not answered; expires {r['expires_at'].isoformat()} "
                      f"(visit starting {r['window_start'].isoformat()})", visit_id=r["visit_id"])
            for r in await self._fetch(_OFFERS_EXPIRING, region, now=now, until=now + OFFER_EXPIRING, limit=limit)
        ]  # fmt: skip
        items += [
            Attention("team_short", r["id"], "visit", r["kommunenummer"], r["window_start"],
                      f"the confirmed team lost {r['missing']} member(s) and the visit starts within 48 h",
                      visit_id=r["id"])
            for r in await self._fetch(TEAM_SHORT_SQL, region, now=now, until=now + TEAM_SHORT, limit=limit)
        ]  # fmt: skip
        items += [
            Attention("report_missing", r["id"], "visit", r["kommunenummer"], r["window_end"],
                      "the visit ended more than 24 h ago and nobody has reported it", visit_id=r["id"])
            for r in await self._fetch(REPORT_MISSING, region, before=now - REPORT_DUE, limit=limit)
        ]  # fmt: skip
        return sorted(items, key=lambda i: (i.when, i.kind, i.id))
