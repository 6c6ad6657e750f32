"""SQL for notify's durable timers: reminders (set, withdrawn, listed) and the organisers' daily digest."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from notify.domain.deliveries import ScheduledReminder
from notify.domain.notices import Recipient
from notify.domain.reminders import DIGEST
from outreach_shared import timers
from outreach_shared.db import named


class TimerRepository:
    """Reminder and digest timers, over one connection (the kit's timers table)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def schedule(self, kind: str, key: str, due_at: datetime, payload: dict[str, Any] | None = None) -> None:
        """Set (or move) one durable timer."""
        await timers.schedule(self.conn, kind, key, due_at, payload)

    async def cancel_matching(self, prefix: str) -> int:
        """Cancel the pending timers whose key starts with `prefix`."""
        return await timers.cancel_matching(self.conn, prefix)

    async def cancel_for(self, recipient: Recipient) -> None:
        """Cancel every pending reminder to an erased recipient."""
        await self.conn.execute(*named(
            "UPDATE timers SET status = 'cancelled' WHERE status = 'pending' AND payload->>'recipient' = :recipient",
            recipient=recipient.key,
        ))  # fmt: skip

    async def add_to_pending(
        self, kind: str, prefix: str, notice_type: str, context: dict[str, Any], due_at: datetime
    ) -> bool:
        """Add `context` to the pending timers of `kind` under `prefix` that send `notice_type`, and move them to
        `due_at`; whether there were any."""
        result = await self.conn.execute(*named(
            """UPDATE timers SET payload = jsonb_set(payload, '{context}', (payload->'context') || :context::jsonb),
                      due_at = :due_at
               WHERE kind = :kind AND status = 'pending' AND starts_with(key, :prefix)
                 AND payload->>'notice_type' = :notice_type""",
            kind=kind, prefix=prefix, notice_type=notice_type, context=context, due_at=due_at,
        ))  # fmt: skip
        return not result.endswith(" 0")

    async def list_matching(self, kinds: Sequence[str], prefix: str) -> list[ScheduledReminder]:
        """Every timer of `kinds` whose key starts with `prefix`, pending or not, soonest first."""
        rows = await self.conn.fetch(*named(
            """SELECT key, kind, due_at, status, fired_at, payload->>'notice_type' AS notice_type,
                      payload->>'recipient' AS recipient
               FROM timers WHERE kind = ANY(:kinds::text[]) AND starts_with(key, :prefix) ORDER BY due_at, key""",
            kinds=list(kinds), prefix=prefix,
        ))  # fmt: skip
        return [ScheduledReminder(**{**dict(row.items()), "recipient": _recipient(row["recipient"])}) for row in rows]

    async def ensure_digest(self, key: str, due_at: datetime) -> None:
        """A digest timer at `due_at` unless one is pending (never moved once set)."""
        await self.conn.execute(*named(
            """INSERT INTO timers (kind, key, due_at) SELECT :kind, :key, :due_at
               WHERE NOT EXISTS (SELECT 1 FROM timers WHERE kind = :kind AND status = 'pending')
               ON CONFLICT (kind, key) DO NOTHING""",
            kind=DIGEST, key=key, due_at=due_at,
        ))  # fmt: skip


def _recipient(key: str | None) -> Recipient | None:
    return Recipient.parse(key) if key else None
