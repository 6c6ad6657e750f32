"""SOAK_REVERT=inbox-dedup: the consumers forget what they handled, and the relay publishes every event twice.

Two small patches, loaded into each service process at start-up (never in production):
- the inbox insert's `ON CONFLICT DO NOTHING RETURNING` becomes an upsert that returns the row anyway, so an event
  seen before counts as new (the dedup the idempotent consumer exists for is gone);
- the outbox relay leaves each row unmarked the first time it publishes it, so the next poll publishes it again
  (what a crash between publishing and marking does; harmless while the inbox dedups).
"""

import asyncpg.connection

_DEDUP = "ON CONFLICT DO NOTHING RETURNING"
_FORGET = "ON CONFLICT (consumer, event_id) DO UPDATE SET event_type = EXCLUDED.event_type RETURNING"


def _forgetful(method):  # noqa: ANN001, ANN202
    async def call(self, query, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if isinstance(query, str) and "INSERT INTO inbox" in query:
            query = query.replace(_DEDUP, _FORGET)
        return await method(self, query, *args, **kwargs)

    return call


asyncpg.connection.Connection.fetch = _forgetful(asyncpg.connection.Connection.fetch)
asyncpg.connection.Connection.fetchval = _forgetful(asyncpg.connection.Connection.fetchval)

try:
    import outreach_shared.outbox as _outbox
except ImportError:  # not a service process
    _outbox = None

if _outbox is not None:
    _mark = _outbox._mark_published
    _seen: set[int] = set()

    async def _mark_second_time(conn, ids):  # noqa: ANN001, ANN202
        again = [i for i in ids if i in _seen]
        _seen.update(ids)
        await _mark(conn, again)

    _outbox._mark_published = _mark_second_time
