"""SQL for the read models: contacts (personal data), erased recipients, visits, gatherings, preferences."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import asyncpg

from notify.domain.drafts import VisitInfo
from notify.domain.notices import Recipient
from notify.domain.preferences import Preferences
from notify.domain.recipients import Contact, RecipientsState
from outreach_shared.db import named

_STATE = """SELECT r.recipient, e.recipient IS NOT NULL AS erased, p.member_id, p.preferences{contact_columns}
           FROM unnest(:recipients::text[], :member_ids::text[]) AS r(recipient, member_id)
           LEFT JOIN erased_recipients e ON e.recipient = r.recipient
           LEFT JOIN preferences p ON p.member_id = r.member_id{join}
           WHERE e.recipient IS NOT NULL OR p.member_id IS NOT NULL{known}"""
_STATE_ONLY = _STATE.format(contact_columns="", join="", known="")
_STATE_AND_CONTACTS = _STATE.format(
    contact_columns=", c.recipient AS contact, c.name, c.first_name, c.email, c.phone, c.language",
    join="\n           LEFT JOIN contacts c ON c.recipient = r.recipient",
    known=" OR c.recipient IS NOT NULL",
)
_CONTACT = ("name", "first_name", "email", "phone", "language")


class ReadModels:
    """What notify knows of recipients, visits and gatherings, over one connection."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def upsert_contact(self, contact: Contact) -> None:
        """Store the latest contact details; a re-registered recipient is no longer erased."""
        values = {name: getattr(contact, name) for name in _CONTACT}
        await self.conn.execute(*named(
            """INSERT INTO contacts (recipient, name, first_name, email, phone, language)
               VALUES (:recipient, :name, :first_name, :email, :phone, :language)
               ON CONFLICT (recipient) DO UPDATE SET name = :name, first_name = :first_name, email = :email,
                   phone = :phone, language = :language, updated_at = now()""",
            recipient=contact.recipient.key, **values,
        ))  # fmt: skip
        await self.conn.execute(
            *named("DELETE FROM erased_recipients WHERE recipient = :recipient", recipient=contact.recipient.key)
        )

    async def get_contact(self, recipient: Recipient) -> Contact | None:
        """The contact of a recipient, if known."""
        row = await self.conn.fetchrow(*named(
            "SELECT name, first_name, email, phone, language FROM contacts WHERE recipient = :recipient",
            recipient=recipient.key,
        ))  # fmt: skip
        return Contact(recipient, *(row[c] for c in _CONTACT)) if row else None

    async def first_names(self, recipients: list[Recipient]) -> dict[Recipient, str]:
        """The first names notify keeps of these recipients (those it knows)."""
        rows = await self.conn.fetch(*named(
            "SELECT recipient, first_name FROM contacts "
            "WHERE recipient = ANY(:keys::text[]) AND first_name IS NOT NULL",
            keys=[r.key for r in recipients],
        ))  # fmt: skip
        return {Recipient.parse(row["recipient"]): row["first_name"] for row in rows}

    async def try_lock_recipient(self, recipient: Recipient) -> bool:
        """Take the recipient's shared lock (as planning does) unless an erasure holds it; False then, at once."""
        return bool(await self.conn.fetchval(*named(
            "SELECT pg_try_advisory_xact_lock_shared(hashtextextended(:recipient, 0))", recipient=recipient.key
        )))  # fmt: skip

    async def lock_recipients(self, recipients: Iterable[Recipient], *, exclusive: bool = False) -> None:
        """Serialise erasure against notices for the same recipients until the transaction ends.

        Planning takes shared locks (plans never wait for each other), erasure an exclusive one: a notice planned
        while the recipient is being erased either commits first (and is erased with the rest) or sees the erasure
        and skips. Locks are taken in sorted order (one statement walking the sorted array) so two transactions
        cannot deadlock on each other's recipients. Read what the locks protect in a later statement: its snapshot
        then follows the wait.
        """
        fn = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        keys = sorted({r.key for r in recipients})
        if keys:
            await self.conn.execute(
                *named(f"SELECT count({fn}(hashtextextended(r, 0))) FROM unnest(:keys::text[]) AS r", keys=keys)
            )

    async def get_recipients_state(self, recipients: Iterable[Recipient], *, contacts: bool = False) -> RecipientsState:
        """Erased recipients and members' preferences among `recipients` (and, with `contacts`, their contact
        details), in one query."""
        wanted = sorted(set(recipients), key=lambda r: r.key)
        rows = await self.conn.fetch(*named(
            _STATE_AND_CONTACTS if contacts else _STATE_ONLY,
            recipients=[r.key for r in wanted], member_ids=[r.ref if r.kind == "member" else None for r in wanted],
        ))  # fmt: skip
        return RecipientsState(
            erased=frozenset(Recipient.parse(row["recipient"]) for row in rows if row["erased"]),
            preferences={
                row["member_id"]: Preferences.model_validate(row["preferences"])
                for row in rows
                if row["member_id"] is not None and row["preferences"] is not None
            },
            contacts={
                (who := Recipient.parse(row["contact"])): Contact(who, *(row[c] for c in _CONTACT))
                for row in rows
                if contacts and row["contact"] is not None
            },
        )

    async def erase(self, recipient: Recipient) -> None:
        """Forget the recipient's contact (and a member's preferences), and remember them as erased."""
        await self.conn.execute(*named("DELETE FROM contacts WHERE recipient = :recipient", recipient=recipient.key))
        if recipient.kind == "member":
            await self.conn.execute(
                *named("DELETE FROM preferences WHERE member_id = :member_id", member_id=recipient.ref)
            )
        await self.conn.execute(*named(
            "INSERT INTO erased_recipients (recipient) VALUES (:recipient) ON CONFLICT DO NOTHING",
            recipient=recipient.key,
        ))  # fmt: skip

    async def upsert_visit(self, visit: VisitInfo) -> None:
        """Remember what is known of a visit; unknown fields keep their earlier value."""
        await self.conn.execute(*named(
            """INSERT INTO visits (visit_id, school_name, school_address, kind, language, start_at, end_at, sequence)
               VALUES (:visit_id, :school_name, :school_address, :kind, :language, :start::text::timestamptz,
                       :end::text::timestamptz, :sequence)
               ON CONFLICT (visit_id) DO UPDATE SET
                   school_name = coalesce(:school_name, visits.school_name),
                   school_address = coalesce(:school_address, visits.school_address),
                   kind = coalesce(:kind, visits.kind), language = coalesce(:language, visits.language),
                   start_at = coalesce(:start::text::timestamptz, visits.start_at),
                   end_at = coalesce(:end::text::timestamptz, visits.end_at),
                   sequence = greatest(:sequence, visits.sequence)""",
            visit_id=visit.visit_id, school_name=visit.school_name, school_address=visit.school_address,
            kind=visit.kind, language=visit.language, start=visit.start, end=visit.end, sequence=visit.sequence,
        ))  # fmt: skip

    async def clear_visit_time(self, visit_id: str) -> None:
        """A rescheduled visit has no fixed time until it is confirmed again."""
        await self.conn.execute(*named(
            "UPDATE visits SET start_at = NULL, end_at = NULL WHERE visit_id = :visit_id", visit_id=visit_id
        ))  # fmt: skip

    async def get_visit(self, visit_id: str) -> VisitInfo | None:
        """What is known of a visit."""
        row = await self.conn.fetchrow(*named("SELECT * FROM visits WHERE visit_id = :visit_id", visit_id=visit_id))
        if row is None:
            return None
        values: dict[str, Any] = dict(row.items())
        start, end = values.pop("start_at"), values.pop("end_at")
        return VisitInfo(**values, start=_iso(start), end=_iso(end))

    async def upsert_gathering(self, gathering_id: str, title: str) -> None:
        """Remember a gathering's title (every invitation carries it: an unchanged title writes nothing)."""
        await self.conn.execute(*named(
            """INSERT INTO gatherings VALUES (:gathering_id, :title)
               ON CONFLICT (gathering_id) DO UPDATE SET title = :title
               WHERE gatherings.title IS DISTINCT FROM :title""",
            gathering_id=gathering_id, title=title,
        ))  # fmt: skip

    async def gathering_title(self, gathering_id: str) -> str | None:
        """A gathering's title, if known."""
        return await self.conn.fetchval(*named(
            "SELECT title FROM gatherings WHERE gathering_id = :gathering_id", gathering_id=gathering_id
        ))  # fmt: skip

    async def get_preferences(self, member_id: str) -> Preferences | None:
        """A member's preferences, if they set any."""
        raw = await self.conn.fetchval(*named(
            "SELECT preferences FROM preferences WHERE member_id = :member_id", member_id=member_id
        ))  # fmt: skip
        return Preferences.model_validate(raw) if raw is not None else None

    async def save_preferences(self, member_id: str, preferences: Preferences) -> None:
        """Store a member's preferences."""
        await self.conn.execute(*named(
            """INSERT INTO preferences (member_id, preferences) VALUES (:member_id, :preferences)
               ON CONFLICT (member_id) DO UPDATE SET preferences = :preferences, updated_at = now()""",
            member_id=member_id, preferences=preferences.model_dump(mode="json"),
        ))  # fmt: skip


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
