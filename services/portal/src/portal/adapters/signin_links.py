"""Single-use sign-in links in the portal's schema (the secret's hash only)."""

from datetime import datetime

import asyncpg

from outreach_shared.db import named
from portal.adapters.sessions import account_from, account_json
from portal.domain.signin import SignInLink

COLUMNS = "secret_hash, email, account, next_path, expires_at, used_at"


def _link(row: asyncpg.Record) -> SignInLink:
    account = account_from(row["account"]) if row["account"] else None
    return SignInLink(secret_hash=row["secret_hash"], expires_at=row["expires_at"], email=row["email"],
                      account=account, next_path=row["next_path"], used_at=row["used_at"])  # fmt: skip


class SignInLinks:
    """Sign-in links over one connection."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, link: SignInLink, *, created_at: datetime) -> None:
        """Store a new link."""
        await self._conn.execute(*named(
            f"INSERT INTO signin_links ({COLUMNS}, created_at) VALUES (:secret_hash, :email, :account::jsonb, "
            ":next_path, :expires_at, NULL, :created_at)",
            secret_hash=link.secret_hash, email=link.email,
            account=account_json(link.account) if link.account else None, next_path=link.next_path,
            expires_at=link.expires_at, created_at=created_at,
        ))  # fmt: skip

    async def get(self, secret_hash: bytes) -> SignInLink | None:
        """The link of this hash, in whatever state."""
        row = await self._conn.fetchrow(f"SELECT {COLUMNS} FROM signin_links WHERE secret_hash = $1", secret_hash)
        return _link(row) if row else None

    async def consume(self, secret_hash: bytes, now: datetime) -> SignInLink | None:
        """Use the link if it is unused and unexpired: one statement, so two clicks cannot both use it."""
        row = await self._conn.fetchrow(
            f"UPDATE signin_links SET used_at = $2 WHERE secret_hash = $1 AND used_at IS NULL AND expires_at > $2 "
            f"RETURNING {COLUMNS}",
            secret_hash, now,
        )  # fmt: skip
        return _link(row) if row else None
