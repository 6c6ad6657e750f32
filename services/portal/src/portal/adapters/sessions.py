"""Sessions in the portal's schema, found by the hash of their cookie's secret (jsonb columns are passed and read
as Python values: the kit's pool encodes and decodes them)."""

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from outreach_shared.db import named
from outreach_shared.regions import Region
from portal.domain.accounts import Account
from portal.domain.sessions import Session

COLUMNS = "session_id, person, how, csrf_token, role, subject, region, choices, created_at, last_seen_at, revoked_at"


def account_json(account: Account) -> dict[str, Any]:
    """An account as stored in a jsonb column."""
    return {"role": account.role, "subject": account.subject, "region": account.region.claim()}


def account_from(value: dict[str, Any]) -> Account:
    """An account read back from `account_json`."""
    return Account(value["role"], value["subject"], Region.from_claim(value.get("region")))


def _session(row: asyncpg.Record) -> Session:
    account = None
    if row["role"] is not None:
        account = Account(row["role"], row["subject"], Region.from_claim(row["region"]))
    choices = tuple(account_from(c) for c in row["choices"])
    return Session(id=row["session_id"], person=row["person"], how=row["how"], csrf_token=row["csrf_token"],
                   created_at=row["created_at"], last_seen_at=row["last_seen_at"], account=account, choices=choices,
                   revoked_at=row["revoked_at"])  # fmt: skip


class SessionStore:
    """Sessions over one connection."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, session: Session, secret_hash: bytes) -> None:
        """Store a new session under its secret's hash."""
        account = session.account
        await self._conn.execute(*named(
            f"INSERT INTO sessions ({COLUMNS}, secret_hash) VALUES (:session_id, :person, :how, :csrf_token, :role, "
            ":subject, :region::jsonb, :choices::jsonb, :created_at, :last_seen_at, NULL, :secret_hash)",
            session_id=session.id, person=session.person, how=session.how, csrf_token=session.csrf_token,
            role=account.role if account else None, subject=account.subject if account else None,
            region=account.region.claim() if account else None,
            choices=[account_json(c) for c in session.choices], created_at=session.created_at,
            last_seen_at=session.last_seen_at, secret_hash=secret_hash,
        ))  # fmt: skip

    async def by_secret(self, secret_hash: bytes, *, for_update: bool = False) -> Session | None:
        """The session of this secret's hash, alive or not."""
        lock = " FOR UPDATE" if for_update else ""
        row = await self._conn.fetchrow(f"SELECT {COLUMNS} FROM sessions WHERE secret_hash = $1{lock}", secret_hash)
        return _session(row) if row else None

    async def touch(self, session_id: UUID, at: datetime) -> None:
        """Note the session's use now (its idle timeout starts again)."""
        await self._conn.execute(
            "UPDATE sessions SET last_seen_at = greatest(last_seen_at, $2) WHERE session_id = $1", session_id, at
        )

    async def set_account(self, session_id: UUID, account: Account) -> None:
        """The account the session acts as from now on."""
        await self._conn.execute(
            "UPDATE sessions SET role = $2, subject = $3, region = $4::jsonb WHERE session_id = $1",
            session_id, account.role, account.subject, account.region.claim(),
        )  # fmt: skip

    async def revoke(self, session_id: UUID, at: datetime) -> None:
        """End one session."""
        await self._conn.execute(
            "UPDATE sessions SET revoked_at = $2 WHERE session_id = $1 AND revoked_at IS NULL", session_id, at
        )

    async def revoke_account(self, account: Account, at: datetime) -> int:
        """End every session acting as, or able to choose, this account; how many."""
        choice = [{"role": account.role, "subject": account.subject}]
        result = await self._conn.execute(*named(
            "UPDATE sessions SET revoked_at = :at WHERE revoked_at IS NULL AND ((role = :role AND subject = :subject) "
            "OR choices @> :choice::jsonb)",
            at=at, role=account.role, subject=account.subject, choice=choice,
        ))  # fmt: skip
        return int(result.split()[-1])

    async def revoke_everywhere(self, person: str, account: Account | None, at: datetime) -> int:
        """End every session of this person, and of this account where it is one person's (a member, an
        organiser); a school's account is shared by its contacts and is not ended for all of them. How many."""
        personal = account is not None and account.role in ("member", "organiser")
        result = await self._conn.execute(*named(
            "UPDATE sessions SET revoked_at = :at WHERE revoked_at IS NULL AND (person = :person OR "
            "(:personal AND role = :role AND subject = :subject))",
            at=at, person=person, personal=personal, role=account.role if account else None,
            subject=account.subject if account else None,
        ))  # fmt: skip
        return int(result.split()[-1])
