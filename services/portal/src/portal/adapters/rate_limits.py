"""Counting sign-in requests per bucket in the database, so every instance of the portal sees the same counts."""

from datetime import datetime

import asyncpg


class RequestCounter:
    """Requests per bucket (`address:<sha256>`, `client:<sha256>`) over a sliding window."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def note(self, bucket: str, *, at: datetime, since: datetime) -> int:
        """Record one request in `bucket` and return how many it holds since `since`, this one included. The
        bucket's lock (until the transaction ends) keeps two instances from both counting below a limit."""
        await self._conn.execute("SELECT pg_advisory_xact_lock(hashtext('portal.signin:' || $1))", bucket)
        await self._conn.execute("INSERT INTO signin_requests (bucket, requested_at) VALUES ($1, $2)", bucket, at)
        count = await self._conn.fetchval(
            "SELECT count(*) FROM signin_requests WHERE bucket = $1 AND requested_at > $2", bucket, since
        )
        return int(count)
