"""SQL for what each attendee holds of each calendar event (the last REQUEST or CANCEL planned for them)."""

from collections.abc import Iterable

import asyncpg

from notify.domain.calendars import Holding
from notify.domain.notices import NoticeDraft
from outreach_shared.calendar import CalendarEvent


async def get(conn: asyncpg.Connection, uid: str, recipient: str) -> Holding | None:
    """What `recipient` holds of the event `uid`, if they were ever sent it."""
    return (await get_many(conn, uid, [recipient])).get(recipient)


async def get_many(conn: asyncpg.Connection, uid: str, recipients: Iterable[str]) -> dict[str, Holding]:
    """What each of `recipients` holds of the event `uid`, by recipient key (those never sent it are absent)."""
    rows = await conn.fetch(
        """SELECT recipient, uid, sequence, cancelled, start_at, end_at, summary, location
           FROM calendar_holdings WHERE uid = $1 AND recipient = ANY($2::text[])""",
        uid,
        list(recipients),
    )
    return {row["recipient"]: _holding(row) for row in rows}


def _holding(row: asyncpg.Record) -> Holding:
    event = CalendarEvent(
        uid=row["uid"], sequence=row["sequence"], start=row["start_at"], end=row["end_at"], summary=row["summary"],
        location=row["location"], cancelled=row["cancelled"],
    )  # fmt: skip
    return Holding(row["recipient"], event)


async def record(conn: asyncpg.Connection, drafts: Iterable[NoticeDraft]) -> None:
    """Remember the calendar message each draft carries as what its recipient now holds (a newer one wins)."""
    rows = [(d.recipient.key, d.calendar) for d in drafts if d.calendar is not None]
    await conn.executemany(
        """INSERT INTO calendar_holdings (uid, recipient, sequence, cancelled, start_at, end_at, summary, location)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (uid, recipient) DO UPDATE SET sequence = EXCLUDED.sequence, cancelled = EXCLUDED.cancelled,
               start_at = EXCLUDED.start_at, end_at = EXCLUDED.end_at, summary = EXCLUDED.summary,
               location = EXCLUDED.location, updated_at = now()
           WHERE calendar_holdings.sequence <= EXCLUDED.sequence""",
        [(e.uid, key, e.sequence, e.cancelled, e.start, e.end, e.summary, e.location) for key, e in rows],
    )


async def erase(conn: asyncpg.Connection, recipient: str) -> None:
    """Forget what an erased recipient holds."""
    await conn.execute("DELETE FROM calendar_holdings WHERE recipient = $1", recipient)
