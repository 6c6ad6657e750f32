"""SQL for the read models: contacts (personal data), erased recipients, visits, gatherings, preferences."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from notify.domain.drafts import VisitInfo
from notify.domain.preferences import Preferences


@dataclass(frozen=True)
class Contact:
    """How to reach a member or a school contact."""

    recipient: str
    name: str | None
    first_name: str | None
    email: str | None
    phone: str | None
    language: str


async def upsert_contact(
    conn: asyncpg.Connection, *, recipient: str, name: str, first_name: str, email: str, phone: str, language: str
) -> None:
    """Store the latest contact details; a re-registered recipient is no longer erased."""
    await conn.execute(
        """INSERT INTO contacts (recipient, name, first_name, email, phone, language) VALUES ($1,$2,$3,$4,$5,$6)
           ON CONFLICT (recipient) DO UPDATE SET name = $2, first_name = $3, email = $4, phone = $5,
               language = $6, updated_at = now()""",
        recipient,
        name,
        first_name,
        email,
        phone,
        language,
    )
    await conn.execute("DELETE FROM erased_recipients WHERE recipient = $1", recipient)


async def get_contact(conn: asyncpg.Connection, recipient: str) -> Contact | None:
    """The contact of a recipient, if known."""
    row = await conn.fetchrow(
        "SELECT recipient, name, first_name, email, phone, language FROM contacts WHERE recipient = $1", recipient
    )
    return Contact(**dict(row.items())) if row else None


async def try_lock_recipient(conn: asyncpg.Connection, recipient: str) -> bool:
    """Take the recipient's shared lock (as planning does) unless an erasure holds it; False then, at once."""
    return bool(await conn.fetchval("SELECT pg_try_advisory_xact_lock_shared(hashtextextended($1, 0))", recipient))


async def lock_recipients(conn: asyncpg.Connection, recipients: Iterable[str], *, exclusive: bool = False) -> None:
    """Serialise erasure against notices for the same recipients until the transaction ends.

    Planning takes shared locks (plans never wait for each other), erasure an exclusive one: a notice planned while
    the recipient is being erased either commits first (and is erased with the rest) or sees the erasure and skips.
    Locks are taken in sorted order (one statement walking the sorted array) so two transactions cannot deadlock on
    each other's recipients. Read what the locks protect in a later statement: its snapshot then follows the wait.
    """
    fn = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    keys = sorted(set(recipients))
    if keys:
        await conn.execute(f"SELECT count({fn}(hashtextextended(r, 0))) FROM unnest($1::text[]) AS r", keys)


@dataclass(frozen=True)
class RecipientsState:
    """What planning and delivery need to know of a set of recipients: who was erased, members' preferences and
    (when asked for) how to reach them."""

    erased: frozenset[str]
    preferences: dict[str, Preferences]
    """By member id; members who never set any are absent."""
    contacts: dict[str, Contact] = field(default_factory=dict)
    """By recipient key; only when asked for, and only those known."""


_STATE = """SELECT r.recipient, e.recipient IS NOT NULL AS erased, p.member_id, p.preferences{contact_columns}
           FROM unnest($1::text[]) AS r(recipient)
           LEFT JOIN erased_recipients e ON e.recipient = r.recipient
           LEFT JOIN preferences p ON r.recipient LIKE 'member:%' AND p.member_id = substr(r.recipient, 8){join}
           WHERE e.recipient IS NOT NULL OR p.member_id IS NOT NULL{known}"""
_STATE_ONLY = _STATE.format(contact_columns="", join="", known="")
_STATE_AND_CONTACTS = _STATE.format(
    contact_columns=", c.recipient AS contact, c.name, c.first_name, c.email, c.phone, c.language",
    join="\n           LEFT JOIN contacts c ON c.recipient = r.recipient",
    known=" OR c.recipient IS NOT NULL",
)


async def get_recipients_state(
    conn: asyncpg.Connection, recipients: Iterable[str], *, contacts: bool = False
) -> RecipientsState:
    """Erased recipients and members' preferences among `recipients` (and, with `contacts`, their contact
    details), in one query."""
    rows = await conn.fetch(_STATE_AND_CONTACTS if contacts else _STATE_ONLY, sorted(set(recipients)))
    return RecipientsState(
        erased=frozenset(row["recipient"] for row in rows if row["erased"]),
        preferences={
            row["member_id"]: Preferences.model_validate(row["preferences"])
            for row in rows
            if row["member_id"] is not None and row["preferences"] is not None
        },
        contacts={
            row["contact"]: Contact(*(row[c] for c in ("contact", "name", "first_name", "email", "phone", "language")))
            for row in rows
            if contacts and row["contact"] is not None
        },
    )


async def upsert_visit(conn: asyncpg.Connection, visit: VisitInfo) -> None:
    """Remember what is known of a visit; unknown fields keep their earlier value."""
    await conn.execute(
        """INSERT INTO visits (visit_id, school_name, school_address, kind, language, start_at, end_at, sequence)
           VALUES ($1, $2, $3, $4, $5, $6::text::timestamptz, $7::text::timestamptz, $8)
           ON CONFLICT (visit_id) DO UPDATE SET
               school_name = coalesce($2, visits.school_name),
               school_address = coalesce($3, visits.school_address),
               kind = coalesce($4, visits.kind), language = coalesce($5, visits.language),
               start_at = coalesce($6::text::timestamptz, visits.start_at),
               end_at = coalesce($7::text::timestamptz, visits.end_at),
               sequence = greatest($8, visits.sequence)""",
        visit.visit_id,
        visit.school_name,
        visit.school_address,
        visit.kind,
        visit.language,
        visit.start,
        visit.end,
        visit.sequence,
    )


async def clear_visit_time(conn: asyncpg.Connection, visit_id: str) -> None:
    """A rescheduled visit has no fixed time until it is confirmed again."""
    await conn.execute("UPDATE visits SET start_at = NULL, end_at = NULL WHERE visit_id = $1", visit_id)


async def get_visit(conn: asyncpg.Connection, visit_id: str) -> VisitInfo | None:
    """What is known of a visit."""
    row = await conn.fetchrow("SELECT * FROM visits WHERE visit_id = $1", visit_id)
    if row is None:
        return None
    values: dict[str, Any] = dict(row.items())
    start, end = values.pop("start_at"), values.pop("end_at")
    return VisitInfo(**values, start=_iso(start), end=_iso(end))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


async def upsert_gathering(conn: asyncpg.Connection, gathering_id: str, title: str) -> None:
    """Remember a gathering's title (every invitation carries it: an unchanged title writes nothing)."""
    await conn.execute(
        """INSERT INTO gatherings VALUES ($1, $2)
           ON CONFLICT (gathering_id) DO UPDATE SET title = $2 WHERE gatherings.title IS DISTINCT FROM $2""",
        gathering_id,
        title,
    )


async def gathering_title(conn: asyncpg.Connection, gathering_id: str) -> str | None:
    """A gathering's title, if known."""
    return await conn.fetchval("SELECT title FROM gatherings WHERE gathering_id = $1", gathering_id)


async def get_preferences(conn: asyncpg.Connection, member_id: str) -> Preferences | None:
    """A member's preferences, if they set any."""
    raw = await conn.fetchval("SELECT preferences FROM preferences WHERE member_id = $1", member_id)
    return Preferences.model_validate(raw) if raw is not None else None


async def save_preferences(conn: asyncpg.Connection, member_id: str, preferences: Preferences) -> None:
    """Store a member's preferences."""
    await conn.execute(
        """INSERT INTO preferences (member_id, preferences) VALUES ($1, $2)
           ON CONFLICT (member_id) DO UPDATE SET preferences = $2, updated_at = now()""",
        member_id,
        preferences.model_dump(mode="json"),
    )
