"""The plan PostgreSQL picks for a query: to show that a query reads through an index, not the whole table."""

import json
from typing import Any

import asyncpg


async def plan_nodes(conn: asyncpg.Pool | asyncpg.Connection, query: str, *args: object) -> list[dict[str, Any]]:
    """Every node of the plan for `query` (EXPLAIN only: the query does not run)."""
    document = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {query}", *args)
    if isinstance(document, str):  # a connection without the kit's json codec
        document = json.loads(document)
    nodes: list[dict[str, Any]] = []
    pending = [document[0]["Plan"]]
    while pending:
        node = pending.pop()
        nodes.append(node)
        pending.extend(node.get("Plans", []))
    return nodes


def reads(nodes: list[dict[str, Any]]) -> set[str]:
    """How the plan reads its tables: "Seq Scan on outbox", "Bitmap Index Scan on outbox_published_at", ..."""
    scans = (n for n in nodes if "Scan" in n["Node Type"])
    return {f"{n['Node Type']} on {n.get('Index Name') or n['Relation Name']}" for n in scans}
