"""The audit log in the portal's schema: rows gathered by a transaction and written just before it commits, and
read back a page at a time in the order they were written (by time, then id)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from outreach_shared.housekeeping import Purge


@dataclass(frozen=True)
class AuditEntry:
    """One audit record: who (an account key, a client id or `anonymous`), what, on what, when, from where."""

    at: datetime
    actor: str
    action: str
    target: str | None = None
    from_address: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredEntry:
    """An audit record as stored, with its id (the second half of the page cursor)."""

    id: int
    entry: AuditEntry


@dataclass(frozen=True)
class AuditQuery:
    """Which records to read: by action, by actor, in [since, until), after the cursor (at, id) in the order read
    (oldest first, or newest first), at most `limit`."""

    limit: int
    action: str | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    after: tuple[datetime, int] | None = None
    newest_first: bool = False


@dataclass
class PendingAudit:
    """The records of one transaction, written when it flushes (the unit of work's deferred work)."""

    entries: list[AuditEntry] = field(default_factory=list)

    async def flush(self, conn: asyncpg.Connection) -> None:
        """Append the gathered records in the open transaction."""
        if self.entries:
            await conn.executemany(
                "INSERT INTO audit_log (at, actor, action, target, from_address, details) "
                "VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
                [(e.at, e.actor, e.action, e.target, e.from_address, e.details) for e in self.entries],
            )
            self.entries.clear()


class AuditLog:
    """Reading the audit log over one connection (writing goes through `trail.record`)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def page(self, query: AuditQuery) -> list[StoredEntry]:
        """Up to `query.limit` records matching it, oldest first (or newest first), through the (at, id) indexes."""
        rows = await self._conn.fetch(*page_query(query))
        return [StoredEntry(r["id"], AuditEntry(r["at"], r["actor"], r["action"], r["target"], r["from_address"],
                                                r["details"] or {})) for r in rows]  # fmt: skip


def page_query(query: AuditQuery) -> tuple[Any, ...]:
    """The SQL (and its arguments) reading one page of `query`."""
    conditions: list[str] = []
    args: list[object] = []

    def arg(value: object) -> str:
        args.append(value)
        return f"${len(args)}"

    if query.action is not None:
        conditions.append(f"action = {arg(query.action)}")
    if query.actor is not None:
        conditions.append(f"actor = {arg(query.actor)}")
    if query.since is not None:
        conditions.append(f"at >= {arg(query.since)}")
    if query.until is not None:
        conditions.append(f"at < {arg(query.until)}")
    if query.after is not None:
        beyond = "<" if query.newest_first else ">"
        conditions.append(f"(at, id) {beyond} ({arg(query.after[0])}, {arg(query.after[1])})")
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    order = "at DESC, id DESC" if query.newest_first else "at, id"
    sql = ("SELECT id, at, actor, action, target, from_address, details FROM audit_log "
           f"{where} ORDER BY {order} LIMIT {arg(query.limit)}")  # fmt: skip
    return (sql, *args)


def audit_purge(keep_days: int) -> Purge:
    """Records older than `keep_days` (the kit's purge): the condition declares the retention for its own
    transaction, which is the only way the table's trigger lets a row go."""
    return Purge(
        "audit_log",
        "set_config('portal.audit_keep_hours', $1::integer::text, true) IS NOT NULL "
        "AND at < now() - make_interval(hours => $1::integer)",
        keep_days * 24,
    )
