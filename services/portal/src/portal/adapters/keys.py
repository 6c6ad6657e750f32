"""The signing keys in the portal's schema (the private halves never leave this table and this process)."""

import json

import asyncpg

from outreach_shared.signing import SigningKey
from portal.domain.keys import KeyRecord


class KeyRing:
    """The portal's signing keys."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def all(self) -> list[KeyRecord]:
        """Every key not yet withdrawn for long, oldest first."""
        rows = await self._conn.fetch(
            "SELECT private_pem, published_at, signs_from, retired_at, withdrawn_at FROM signing_keys "
            "ORDER BY signs_from"
        )
        return [KeyRecord(SigningKey.from_pem(r["private_pem"]), r["published_at"], r["signs_from"], r["retired_at"],
                          r["withdrawn_at"]) for r in rows]  # fmt: skip

    async def lock(self) -> None:
        """Serialise key changes across the portal's instances (held until the transaction ends)."""
        await self._conn.execute("SELECT pg_advisory_xact_lock(hashtext('portal.signing_keys'))")

    async def save(self, record: KeyRecord) -> None:
        """Insert a key or update its dates."""
        await self._conn.execute(
            """
            INSERT INTO signing_keys (kid, private_pem, public_jwk, published_at, signs_from, retired_at, withdrawn_at)
            VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7)
            ON CONFLICT (kid) DO UPDATE SET retired_at = EXCLUDED.retired_at, withdrawn_at = EXCLUDED.withdrawn_at
            """,
            record.key.kid, record.key.pem(), json.dumps(record.public_jwk), record.published_at, record.signs_from,
            record.retired_at, record.withdrawn_at,
        )  # fmt: skip
