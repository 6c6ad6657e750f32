"""Schools' API clients and the count of failed token requests, in the portal's schema."""

from datetime import datetime

import asyncpg

from outreach_shared.db import named
from portal.domain.clients import ApiClient

COLUMNS = "client_id, orgnr, name, secret_hash, created_by, created_at, revoked_at, last_used_at"


def _client(row: asyncpg.Record) -> ApiClient:
    return ApiClient(**dict(row))


class ApiClients:
    """API clients over one connection."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, client: ApiClient) -> None:
        """Store a new client."""
        await self._conn.execute(*named(
            f"INSERT INTO api_clients ({COLUMNS}) VALUES (:client_id, :orgnr, :name, :secret_hash, :created_by, "
            ":created_at, NULL, NULL)",
            client_id=client.client_id, orgnr=client.orgnr, name=client.name, secret_hash=client.secret_hash,
            created_by=client.created_by, created_at=client.created_at,
        ))  # fmt: skip

    async def of_school(self, orgnr: str) -> list[ApiClient]:
        """A school's clients, oldest first (revoked ones too)."""
        rows = await self._conn.fetch(f"SELECT {COLUMNS} FROM api_clients WHERE orgnr = $1 ORDER BY created_at, "
                                      "client_id LIMIT 1000", orgnr)  # fmt: skip
        return [_client(r) for r in rows]

    async def get(self, client_id: str) -> ApiClient | None:
        """The client with this id, revoked or not."""
        row = await self._conn.fetchrow(f"SELECT {COLUMNS} FROM api_clients WHERE client_id = $1", client_id)
        return _client(row) if row else None

    async def revoke(self, orgnr: str, client_id: str, *, at: datetime) -> bool | None:
        """Revoke the school's client: True if it was live, False if already revoked, None if the school has none
        with this id."""
        row = await self._conn.fetchrow(
            "UPDATE api_clients SET revoked_at = coalesce(revoked_at, $3) WHERE orgnr = $1 AND client_id = $2 "
            "RETURNING revoked_at = $3 AS now_revoked", orgnr, client_id, at
        )  # fmt: skip
        return None if row is None else bool(row["now_revoked"])

    async def used(self, client_id: str, *, at: datetime) -> None:
        """Note that the client got a token."""
        await self._conn.execute("UPDATE api_clients SET last_used_at = $2 WHERE client_id = $1", client_id, at)

    async def failures_since(self, client_key: str, since: datetime) -> int:
        """Failed token requests for this client key since `since` (the key's lock held to the transaction's end)."""
        await self._conn.execute("SELECT pg_advisory_xact_lock(hashtext('portal.oauth:' || $1))", client_key)
        count = await self._conn.fetchval(
            "SELECT count(*) FROM client_token_failures WHERE client_key = $1 AND failed_at > $2", client_key, since
        )
        return int(count)

    async def failed(self, client_key: str, *, at: datetime) -> None:
        """Count one failed token request."""
        await self._conn.execute("INSERT INTO client_token_failures (client_key, failed_at) VALUES ($1, $2)",
                                 client_key, at)  # fmt: skip
