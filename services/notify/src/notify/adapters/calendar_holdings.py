"""SQL for what each attendee holds of each calendar event (the last REQUEST or CANCEL planned for them)."""

from collections.abc import Iterable
from datetime import datetime

import asyncpg

from notify.domain.calendars import Holding
from notify.domain.notices import NoticeDraft, Recipient
from outreach_shared.calendar import CalendarEvent
from outreach_shared.db import named

# A newer message wins; the same message again (a replay) changes nothing, so feeds keep their ETag.
RECORD = """INSERT INTO calendar_holdings (uid, recipient, sequence, cancelled, start_at, end_at, summary, location,
    changed_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (uid, recipient) DO UPDATE SET sequence = EXCLUDED.sequence, cancelled = EXCLUDED.cancelled,
    start_at = EXCLUDED.start_at, end_at = EXCLUDED.end_at, summary = EXCLUDED.summary,
    location = EXCLUDED.location, updated_at = now(), changed_at = EXCLUDED.changed_at
WHERE calendar_holdings.sequence <= EXCLUDED.sequence
    AND (calendar_holdings.sequence, calendar_holdings.cancelled, calendar_holdings.start_at, calendar_holdings.end_at,
         calendar_holdings.summary, calendar_holdings.location)
        IS DISTINCT FROM (EXCLUDED.sequence, EXCLUDED.cancelled, EXCLUDED.start_at, EXCLUDED.end_at,
                          EXCLUDED.summary, EXCLUDED.location)"""


class CalendarHoldings:
    """What attendees hold of calendar events, over one connection."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def get(self, uid: str, recipient: Recipient) -> Holding | None:
        """What `recipient` holds of the event `uid`, if they were ever sent it."""
        return (await self.get_many(uid, [recipient])).get(recipient)

    async def get_many(self, uid: str, recipients: Iterable[Recipient]) -> dict[Recipient, Holding]:
        """What each of `recipients` holds of the event `uid` (those never sent it are absent)."""
        rows = await self.conn.fetch(*named(
            """SELECT recipient, uid, sequence, cancelled, start_at, end_at, summary, location
               FROM calendar_holdings WHERE uid = :uid AND recipient = ANY(:recipients::text[])""",
            uid=uid, recipients=[r.key for r in recipients],
        ))  # fmt: skip
        return {(holding := _holding(row)).recipient: holding for row in rows}

    async def record(self, drafts: Iterable[NoticeDraft], *, at: datetime) -> None:
        """Remember the calendar message each draft carries as what its recipient now holds since `at` (a newer
        one wins)."""
        rows = [(d.recipient.key, d.calendar) for d in drafts if d.calendar is not None]
        await self.conn.executemany(RECORD, [
            (e.uid, key, e.sequence, e.cancelled, e.start, e.end, e.summary, e.location, at) for key, e in rows
        ])  # fmt: skip

    async def erase(self, recipient: Recipient) -> None:
        """Forget what an erased recipient holds."""
        await self.conn.execute(
            *named("DELETE FROM calendar_holdings WHERE recipient = :recipient", recipient=recipient.key)
        )


def _holding(row: asyncpg.Record) -> Holding:
    event = CalendarEvent(
        uid=row["uid"], sequence=row["sequence"], start=row["start_at"], end=row["end_at"], summary=row["summary"],
        location=row["location"], cancelled=row["cancelled"],
    )  # fmt: skip
    return Holding(Recipient.parse(row["recipient"]), event)
