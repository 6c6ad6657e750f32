"""Planting items a loop cannot handle, and seeing them set aside: helpers of the bulkhead tests of every service."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from outreach_dev.testing.service import RunningService
from outreach_shared import timers
from outreach_shared.metrics import REGISTRY


def set_aside_count(service: str, loop: str) -> float:
    """`outreach_set_aside_total{service,loop}` in this process (services under test run in-process)."""
    return REGISTRY.get_sample_value("outreach_set_aside_total", {"service": service, "loop": loop}) or 0.0


async def plant_timers(pool: asyncpg.Pool, kind: str, planted: Sequence[tuple[str, dict[str, Any]]]) -> None:
    """Timers (key, payload) of one kind, due a moment ago in the order given, written past any use case."""
    due = datetime.now(UTC) - timedelta(seconds=len(planted) + 1)
    async with pool.acquire() as conn, conn.transaction():
        for i, (key, payload) in enumerate(planted):
            await timers.schedule(conn, kind, key, due + timedelta(seconds=i), payload)


async def timer_statuses(pool: asyncpg.Pool, kind: str, keys: Sequence[str]) -> dict[str, str]:
    """The status of each of these timers."""
    rows = await pool.fetch("SELECT key, status FROM timers WHERE kind = $1 AND key = ANY($2::text[])", kind, keys)
    return {r["key"]: r["status"] for r in rows}


async def listed_set_aside(svc: RunningService, key: str) -> list[dict[str, Any]]:
    """The service's operations view, as an organiser reads it, narrowed to one item's key."""
    r = await svc.client.get("/v1/operations/set-aside", headers=svc.auth("organiser"))
    assert r.status_code == 200, r.text
    return [item for item in r.json() if item["key"] == key]
