"""Idempotency keys of visit creation: (orgnr, key) -> request hash and the response given."""

from dataclasses import dataclass
from typing import Any

import asyncpg

from outreach_shared.housekeeping import Purge


@dataclass(frozen=True)
class StoredResponse:
    """What an earlier request with the same key asked and got."""

    request_hash: str
    status_code: int | None
    body: dict[str, Any] | None


class IdempotencyRepository:
    """Claims keys inside the creating transaction; the primary key settles concurrent retries."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def claim(self, orgnr: str, key: str, request_hash: str) -> bool:
        """Claim the key; False when it was already used (waits for a concurrent claimer to finish)."""
        claimed = await self._conn.fetchval(
            "INSERT INTO idempotency_keys (orgnr, key, request_hash) VALUES ($1, $2, $3) "
            "ON CONFLICT (orgnr, key) DO NOTHING RETURNING true",
            orgnr,
            key,
            request_hash,
        )
        return bool(claimed)

    async def get(self, orgnr: str, key: str) -> StoredResponse | None:
        """The stored request hash and response of a used key."""
        row = await self._conn.fetchrow(
            "SELECT request_hash, status_code, response FROM idempotency_keys WHERE orgnr = $1 AND key = $2",
            orgnr,
            key,
        )
        return StoredResponse(row["request_hash"], row["status_code"], row["response"]) if row else None


def expired_keys(keep_hours: int) -> Purge:
    """Keys claimed more than `keep_hours` ago: a retry after that is a new request (housekeeping deletes them)."""
    return Purge("idempotency_keys", "created_at < now() - make_interval(hours => $1)", keep_hours)
