"""The organisers' allow-list, schools' contacts and the requests to become one, in the portal's schema."""

from datetime import datetime
from uuid import uuid4

import asyncpg

from outreach_shared.regions import Region
from portal.domain.accounts import ContactVia
from portal.domain.people import ContactRequest, Organiser, RequestStatus, SchoolContact


def _region(value: object) -> Region:
    return Region.from_claim(value) if value else Region()


def _organiser(row: asyncpg.Record) -> Organiser:
    return Organiser(str(row["organiser_id"]), row["email"], _region(row["region"]), row["added_at"])


def _contact(row: asyncpg.Record) -> SchoolContact:
    return SchoolContact(str(row["contact_id"]), row["orgnr"], row["email"], row["via"], row["added_at"])


def _request(row: asyncpg.Record) -> ContactRequest:
    return ContactRequest(str(row["request_id"]), row["orgnr"], row["email"], row["message"], row["status"],
                          row["asked_at"])  # fmt: skip


class OrganiserList:
    """The allow-list of organisers (a removed one keeps its row, with removed_at)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def active(self) -> list[Organiser]:
        """Every listed organiser, by address."""
        rows = await self._conn.fetch("SELECT * FROM organisers WHERE removed_at IS NULL ORDER BY lower(email)")
        return [_organiser(r) for r in rows]

    async def get(self, organiser_id: str) -> Organiser | None:
        """A listed organiser."""
        row = await self._conn.fetchrow(
            "SELECT * FROM organisers WHERE organiser_id = $1::uuid AND removed_at IS NULL", organiser_id
        )
        return _organiser(row) if row else None

    async def add(self, email: str, region: Region, *, by: str, at: datetime) -> Organiser | None:
        """List an address; None when it is listed already."""
        row = await self._conn.fetchrow(
            "INSERT INTO organisers (organiser_id, email, region, added_by, added_at) VALUES ($1, $2, $3, $4, $5) "
            "ON CONFLICT (lower(email)) WHERE removed_at IS NULL DO NOTHING RETURNING *",
            uuid4(), email, region.claim(), by, at,
        )  # fmt: skip
        return _organiser(row) if row else None

    async def rescope(self, organiser_id: str, region: Region) -> Organiser | None:
        """Change a listed organiser's scope."""
        row = await self._conn.fetchrow(
            "UPDATE organisers SET region = $2 WHERE organiser_id = $1::uuid AND removed_at IS NULL RETURNING *",
            organiser_id, region.claim(),
        )  # fmt: skip
        return _organiser(row) if row else None

    async def remove(self, organiser_id: str, *, at: datetime) -> Organiser | None:
        """Take an organiser off the list."""
        row = await self._conn.fetchrow(
            "UPDATE organisers SET removed_at = $2 WHERE organiser_id = $1::uuid AND removed_at IS NULL RETURNING *",
            organiser_id, at,
        )  # fmt: skip
        return _organiser(row) if row else None


class SchoolContacts:
    """Schools' contacts and the requests to become one."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def of_school(self, orgnr: str) -> list[SchoolContact]:
        """A school's contacts."""
        rows = await self._conn.fetch(
            "SELECT * FROM school_contacts WHERE orgnr = $1 AND removed_at IS NULL ORDER BY added_at", orgnr
        )
        return [_contact(r) for r in rows]

    async def add(self, orgnr: str, email: str, via: ContactVia, *, by: str, at: datetime) -> SchoolContact | None:
        """Tie an address to a school; None when it is tied already."""
        row = await self._conn.fetchrow(
            "INSERT INTO school_contacts (contact_id, orgnr, email, via, added_by, added_at) "
            "VALUES ($1, $2, $3, $4, $5, $6) "
            "ON CONFLICT (orgnr, lower(email)) WHERE removed_at IS NULL DO NOTHING RETURNING *",
            uuid4(), orgnr, email, via, by, at,
        )  # fmt: skip
        return _contact(row) if row else None

    async def remove(self, orgnr: str, contact_id: str, *, at: datetime) -> SchoolContact | None:
        """Untie a contact from the school."""
        row = await self._conn.fetchrow(
            "UPDATE school_contacts SET removed_at = $3 WHERE orgnr = $1 AND contact_id = $2::uuid "
            "AND removed_at IS NULL RETURNING *",
            orgnr, contact_id, at,
        )  # fmt: skip
        return _contact(row) if row else None

    async def ask(self, orgnr: str, email: str, message: str, *, at: datetime) -> ContactRequest:
        """Record a request to become the school's contact."""
        row = await self._conn.fetchrow(
            "INSERT INTO school_contact_requests (request_id, orgnr, email, message, asked_at) "
            "VALUES ($1, $2, $3, $4, $5) RETURNING *",
            uuid4(), orgnr, email, message, at,
        )  # fmt: skip
        return _request(row)

    async def requests(self, status: RequestStatus, limit: int) -> list[ContactRequest]:
        """Requests in a status, oldest first."""
        rows = await self._conn.fetch(
            "SELECT * FROM school_contact_requests WHERE status = $1 ORDER BY asked_at LIMIT $2", status, limit
        )
        return [_request(r) for r in rows]

    async def decide(self, request_id: str, status: RequestStatus, *, by: str, at: datetime) -> ContactRequest | None:
        """Approve or reject a pending request; None when there is no such pending request."""
        row = await self._conn.fetchrow(
            "UPDATE school_contact_requests SET status = $2, decided_by = $3, decided_at = $4 "
            "WHERE request_id = $1::uuid AND status = 'pending' RETURNING *",
            request_id, status, by, at,
        )  # fmt: skip
        return _request(row) if row else None
