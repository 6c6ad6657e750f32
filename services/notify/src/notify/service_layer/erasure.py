"""Erasure: a recipient's addresses, phone numbers and rendered bodies go; anonymous counts stay."""

import asyncpg

from notify.adapters import calendar_holdings, deliveries, read_models


async def erase(conn: asyncpg.Connection, recipient: str) -> None:
    """Fold the recipient's deliveries into anonymous counts, then delete everything that names them.

    Waits for notices being planned for the recipient in other transactions (they are deleted too) and holds new
    ones off until the erasure is committed (they then see the recipient as erased).
    """
    await read_models.lock_recipients(conn, [recipient], exclusive=True)
    await conn.execute(
        """INSERT INTO delivery_counts (notice_type, channel, status, count)
           SELECT n.notice_type, d.channel, d.status, count(*) FROM deliveries d JOIN notices n ON n.id = d.notice_id
           WHERE d.recipient = $1 GROUP BY 1, 2, 3
           ON CONFLICT (notice_type, channel, status) DO UPDATE SET count = delivery_counts.count + EXCLUDED.count""",
        recipient,
    )
    await conn.execute("DELETE FROM notices WHERE recipient = $1", recipient)  # cascades to deliveries, inbox
    await conn.execute("DELETE FROM contacts WHERE recipient = $1", recipient)
    await calendar_holdings.erase(conn, recipient)
    kind, _, ref = recipient.partition(":")
    if kind == "member":
        await conn.execute("DELETE FROM preferences WHERE member_id = $1", ref)
        await conn.execute(
            "UPDATE timers SET status = 'cancelled' WHERE status = 'pending' AND payload->>'recipient' = $1",
            recipient,
        )
    await conn.execute("INSERT INTO erased_recipients (recipient) VALUES ($1) ON CONFLICT DO NOTHING", recipient)


async def wake(conn: asyncpg.Connection, recipient: str) -> None:
    """A recipient's contact arrived: deliveries held for it are due at once."""
    await deliveries.wake_waiting(conn, recipient)
