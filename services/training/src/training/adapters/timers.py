"""The service's durable timers (the kit's `timers` table), in the unit of work's transaction."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from outreach_shared import timers


class TimerRepository:
    """Invitation-reminder and place-offer timers: set and cancelled with the state they belong to."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def schedule(self, kind: str, key: str, due_at: datetime, payload: dict[str, Any] | None = None) -> None:
        """Set (or move) the timer (kind, key)."""
        await timers.schedule(self.conn, kind, key, due_at, payload)

    async def schedule_many(self, kind: str, due: Sequence[tuple[str, datetime, dict[str, Any] | None]]) -> None:
        """Set (or move) timers of one kind, given as (key, due_at, payload), in one statement."""
        await timers.schedule_many(self.conn, kind, due)

    async def cancel(self, kind: str, key: str) -> None:
        """Cancel the pending timer (kind, key), if any."""
        await timers.cancel(self.conn, kind, key)

    async def cancel_matching(self, key_prefix: str) -> None:
        """Cancel every pending timer whose key starts with `key_prefix`."""
        await timers.cancel_matching(self.conn, key_prefix)
