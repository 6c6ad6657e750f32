"""Idempotency keys of visit creation: (orgnr, key) -> request hash and the response given."""

import asyncpg

from booking.domain.new_visits import StoredResponse
from outreach_shared.db import named, stateless_connection
from outreach_shared.housekeeping import Purge


class IdempotencyRepository:
    """Claims keys inside the creating transaction; the primary key settles concurrent retries."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def claim(self, orgnr: str, key: str, request_hash: str) -> bool:
        """Claim the key; False when it was already used (waits for a concurrent claimer to finish)."""
        claimed = await self._conn.fetchval(*named(
            "INSERT INTO idempotency_keys (orgnr, key, request_hash) VALUES (:orgnr, :key, :request_hash) "
            "ON CONFLICT (orgnr, key) DO NOTHING RETURNING true",
            orgnr=orgnr, key=key, request_hash=request_hash,
        ))  # fmt: skip
        return bool(claimed)

    async def get(self, orgnr: str, key: str) -> StoredResponse | None:
        """The stored request hash and response of a used key."""
        row = await self._conn.fetchrow(*named(
            "SELECT request_hash, status_code, response FROM idempotency_keys WHERE orgnr = :orgnr AND key = :key",
            orgnr=orgnr, key=key,
        ))  # fmt: skip
        return StoredResponse(row["request_hash"], row["status_code"], row["response"]) if row else None


class PooledIdempotencyKeys:
    """The keys as a create asks about them, each question on a connection of its own (a create has no
    transaction of its own: the writer of new visits claims keys in its statement)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def was_used(self, orgnr: str, key: str, request_hash: str) -> bool:
        """Whether the key was used before (waits for a concurrent claimer to finish); claims nothing."""
        async with stateless_connection(self._pool) as conn:
            transaction = conn.transaction()
            await transaction.start()
            try:
                return not await IdempotencyRepository(conn).claim(orgnr, key, request_hash)
            finally:
                await transaction.rollback()  # the claim only asked

    async def get(self, orgnr: str, key: str) -> StoredResponse | None:
        """The stored request hash and response of a used key."""
        async with stateless_connection(self._pool) as conn:
            return await IdempotencyRepository(conn).get(orgnr, key)


def expired_keys(keep_hours: int) -> Purge:
    """Keys claimed more than `keep_hours` ago: a retry after that is a new request (housekeeping deletes them)."""
    return Purge("idempotency_keys", "created_at < now() - make_interval(hours => $1)", keep_hours)
