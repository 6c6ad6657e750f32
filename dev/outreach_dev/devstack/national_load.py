"""Writes the national programme (`national.plan`) into the services' own schemas, fast: COPY, one school year per
transaction, the next year made while the last one is written.

Run on a system whose services have migrated their schemas (after `make up` has started them, or in `make bench`),
as the database's administrator: each table lives in its service's schema. Triggers are off for the load
(`session_replication_role = replica`): the rows are consistent by construction, and the offers' guard would check
each of 700,000 offers again, and notify's wake-up would fire for deliveries already sent.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import asyncpg

from .national import COLUMNS, NATIONAL, Generator, Rows, Scale, plan

TRAINED = ("ambassadors", "trained")


def _jsonb(value: Any) -> bytes:
    return b"\x01" + json.dumps(value).encode()


async def load_national(admin_dsn: str, scale: Scale = NATIONAL, today: date | None = None,
                        say: Callable[[str], None] = print) -> dict[str, int]:  # fmt: skip
    """Write the programme; the rows written per table ("service.table"). Once: where its roster is there
    already (the same seed makes the same members), nothing is written."""
    conn = await asyncpg.connect(admin_dsn)
    counts: dict[str, int] = {}
    began = time.monotonic()
    try:
        first = Generator(scale, today or date.today()).members[0].id
        if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM ambassadors.members WHERE id = $1::uuid)", first):
            say("national data: written already (its roster is there)")
            return counts
        await conn.set_type_codec("jsonb", schema="pg_catalog", encoder=_jsonb, decoder=lambda b: json.loads(b[1:]),
                                  format="binary")  # fmt: skip
        await conn.execute("SET session_replication_role = replica")
        parts: Iterator[tuple[str, Rows]] = plan(scale, today)
        part = await asyncio.to_thread(next, parts, None)
        while part is not None:
            name, rows = part
            following = asyncio.create_task(asyncio.to_thread(next, parts, None))
            async with conn.transaction():
                for (service, table), records in rows.items():
                    if (service, table) == TRAINED:
                        await conn.executemany("UPDATE ambassadors.members SET trained_year = $2 WHERE id = $1::uuid",
                                               records)  # fmt: skip
                    elif records:
                        await conn.copy_records_to_table(table, schema_name=service, records=records,
                                                         columns=list(COLUMNS[service, table]))  # fmt: skip
                    counts[f"{service}.{table}"] = counts.get(f"{service}.{table}", 0) + len(records)
            say(f"national data: {name} written ({time.monotonic() - began:.0f} s)")
            part = await following
        for key in sorted(counts):
            if not key.endswith(".trained"):
                await conn.execute(f"ANALYZE {key}")
    finally:
        await conn.close()
    say(f"national data: {sum(counts.values()):,} rows in {time.monotonic() - began:.0f} s")
    return counts
