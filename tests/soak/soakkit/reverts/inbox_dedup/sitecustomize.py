"""SOAK_REVERT=inbox-dedup: the consumers forget what they handled, and the relay publishes every event twice.

Two small patches, loaded into each service process at start-up (never in production):
- the inbox insert still records each event but returns every event id it was given, so an event seen before
  counts as new (the dedup the idempotent consumer exists for is gone);
- the outbox relay leaves each row unmarked the first time it publishes it, so the next poll publishes it again
  (what a crash between publishing and marking does; harmless while the inbox dedups).
"""

import asyncpg.connection

# The inbox still records each event, but every event of the call counts as new: the dedup is not consulted.
_FORGETFUL = {
    "RETURNING true": "WITH ins AS ({insert}) SELECT true",
    "RETURNING event_id": "WITH ins AS ({insert}) SELECT DISTINCT e AS event_id FROM unnest($2::uuid[]) AS e",
}


def _forget(query: str) -> str:
    for returning, shape in _FORGETFUL.items():
        if "INSERT INTO inbox" in query and query.rstrip().endswith(returning):
            insert = query.rstrip().removesuffix(returning)
            insert = insert.replace("SELECT $1, e, t", "SELECT DISTINCT ON (e) $1, e, t")
            return shape.format(insert=insert)
    return query


def _forgetful(method):  # noqa: ANN001, ANN202
    async def call(self, query, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        return await method(self, _forget(query) if isinstance(query, str) else query, *args, **kwargs)

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
