"""Set reminder timers, fire them as notices, and withdraw them when a visit or gathering is called off."""

from collections.abc import Sequence
from uuid import NAMESPACE_URL, uuid5

import asyncpg

from notify.adapters import deliveries
from notify.domain import reminders as r
from notify.domain.notices import REMINDERS
from notify.domain.scheduling import Scheduled, from_payload, to_payload
from notify.service_layer.planning import plan
from outreach_shared import timers
from outreach_shared.timers import Timer


async def schedule_all(conn: asyncpg.Connection, kind: str, scheduled: Sequence[Scheduled]) -> None:
    """Set (or move) one durable timer per reminder."""
    for reminder, draft in scheduled:
        await timers.schedule(conn, kind, reminder.key, reminder.due_at, to_payload(draft))


async def withdraw_all(conn: asyncpg.Connection, subject: str) -> int:
    """Cancel every pending reminder timer of a visit or gathering (`visit:ID`) and its unsent reminders."""
    cancelled = await timers.cancel_matching(conn, f"{subject}:")
    await deliveries.cancel_reminders(conn, subject, [t.value for t in REMINDERS])
    return cancelled


async def withdraw_member(conn: asyncpg.Connection, subject: str, member_id: str) -> int:
    """Cancel one member's pending reminder timers of a visit or gathering."""
    return await timers.cancel_matching(conn, f"{subject}:member:{member_id}:")


async def fire(conn: asyncpg.Connection, timer: Timer) -> None:
    """A reminder timer fired: its notice is planned once (the event id derives from the timer)."""
    event_id = uuid5(NAMESPACE_URL, f"notify:{timer.kind}:{timer.key}:{timer.due_at.isoformat()}")
    await plan(conn, [from_payload(timer.payload)], event_id=event_id, correlation_id=f"timer:{timer.key}")


TIMER_KINDS = (r.VISIT_REMINDER, r.GATHERING_REMINDER)


async def list_for(conn: asyncpg.Connection, subject: str) -> list[dict[str, object]]:
    """Every reminder timer of a visit or gathering (`visit:ID`), pending or not, soonest first."""
    rows = await conn.fetch(
        """SELECT key, kind, due_at, status, fired_at, payload->>'notice_type' AS notice_type,
                  payload->>'recipient' AS recipient
           FROM timers WHERE kind = ANY($1::text[]) AND starts_with(key, $2) ORDER BY due_at, key""",
        list(TIMER_KINDS), f"{subject}:",
    )
    return [dict(row.items()) for row in rows]
