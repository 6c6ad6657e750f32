"""Identities from OpenID Connect providers in the portal's schema: their links to accounts, the redirects awaiting
a callback (`oidc_logins`), and the school contacts Feide makes."""

import json
import uuid
from datetime import datetime

import asyncpg

from outreach_shared.db import named
from outreach_shared.regions import Region
from portal.domain.accounts import Account
from portal.domain.identities import Identity, PendingLogin

_LOGIN_COLUMNS = "state_hash, provider, nonce, code_verifier, next_path, created_at, used_at, issuer, subject_hash"


def _login(row: asyncpg.Record) -> PendingLogin:
    identity = None
    if row["subject_hash"] is not None:
        identity = Identity(row["provider"], row["issuer"], row["subject_hash"])
    return PendingLogin(state_hash=row["state_hash"], provider=row["provider"], nonce=row["nonce"],
                        code_verifier=row["code_verifier"], next_path=row["next_path"], created_at=row["created_at"],
                        used_at=row["used_at"], identity=identity)  # fmt: skip


def _region(value: object) -> Region:
    if value is None:
        return Region()
    return Region.from_claim(json.loads(value) if isinstance(value, str) else value)


class IdentityLinks:
    """Which accounts an identity signs in as, over one connection."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def accounts_of(self, identity: Identity) -> list[Account]:
        """The accounts linked to this identity that still exist (an organiser still on the allow-list, with the
        scope it has now; a member still active), organisers first."""
        rows = await self._conn.fetch(
            """
            SELECT 0 AS rank, 'organiser' AS role, o.organiser_id::text AS subject, o.region
              FROM identities i JOIN organisers o ON o.organiser_id::text = i.account_subject
             WHERE i.issuer = $1 AND i.subject_hash = $2 AND i.role = 'organiser' AND o.removed_at IS NULL
            UNION ALL
            SELECT 1, 'member', m.member_id, NULL
              FROM identities i JOIN members m ON m.member_id = i.account_subject
             WHERE i.issuer = $1 AND i.subject_hash = $2 AND i.role = 'member' AND m.active
            ORDER BY 1, 3
            """,
            identity.issuer,
            identity.subject_hash,
        )
        return [Account(r["role"], r["subject"], _region(r["region"])) for r in rows]

    async def link(self, identity: Identity, account: Account, *, at: datetime) -> bool:
        """Link the identity to the account; False if it already was."""
        status = await self._conn.execute(
            "INSERT INTO identities (issuer, subject_hash, role, account_subject, linked_at) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            identity.issuer, identity.subject_hash, account.role, account.subject, at,
        )  # fmt: skip
        return status.endswith(" 1")

    async def school_contact(self, orgnr: str, email: str, *, by: str) -> bool:
        """Make the address a contact of the school through Feide unless it is one; False if it was removed from
        the school (by an organiser: Feide does not bring it back)."""
        removed = await self._conn.fetchval(
            "SELECT bool_and(removed_at IS NOT NULL) FROM school_contacts "
            "WHERE orgnr = $1 AND lower(email) = lower($2)",
            orgnr, email,
        )  # fmt: skip
        if removed is None:
            await self._conn.execute(
                "INSERT INTO school_contacts (contact_id, orgnr, email, via, added_by) VALUES ($1, $2, $3, 'feide', $4)"
                " ON CONFLICT DO NOTHING",
                uuid.uuid4(), orgnr, email, by,
            )  # fmt: skip
        return removed is not True


class OidcLogins:
    """Redirects to a provider awaiting their callback."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def add(self, login: PendingLogin) -> None:
        """Keep a redirect just made."""
        await self._conn.execute(*named(
            "INSERT INTO oidc_logins (state_hash, provider, nonce, code_verifier, next_path, created_at) "
            "VALUES (:state_hash, :provider, :nonce, :code_verifier, :next_path, :created_at)",
            state_hash=login.state_hash, provider=login.provider, nonce=login.nonce,
            code_verifier=login.code_verifier, next_path=login.next_path, created_at=login.created_at,
        ))  # fmt: skip

    async def get(self, state_hash: bytes, *, for_update: bool = False) -> PendingLogin | None:
        """The redirect of this state's hash, used or not."""
        lock = " FOR UPDATE" if for_update else ""
        row = await self._conn.fetchrow(f"SELECT {_LOGIN_COLUMNS} FROM oidc_logins WHERE state_hash = $1{lock}",
                                        state_hash)  # fmt: skip
        return _login(row) if row else None

    async def use(self, state_hash: bytes, at: datetime) -> bool:
        """Mark it used, once (its verifier and nonce are needed no more than that): False if it already was."""
        status = await self._conn.execute(
            "UPDATE oidc_logins SET used_at = $2, code_verifier = '', nonce = '' "
            "WHERE state_hash = $1 AND used_at IS NULL",
            state_hash, at,
        )  # fmt: skip
        return status == "UPDATE 1"

    async def hold(self, state_hash: bytes, identity: Identity) -> None:
        """Keep the identity of its callback waiting to be linked."""
        await self._conn.execute("UPDATE oidc_logins SET issuer = $2, subject_hash = $3 WHERE state_hash = $1",
                                 state_hash, identity.issuer, identity.subject_hash)  # fmt: skip

    async def release(self, state_hash: bytes) -> None:
        """Forget the identity waiting (it was linked)."""
        await self._conn.execute("UPDATE oidc_logins SET issuer = NULL, subject_hash = NULL WHERE state_hash = $1",
                                 state_hash)  # fmt: skip
