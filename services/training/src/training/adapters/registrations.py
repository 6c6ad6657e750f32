"""Registrations in Postgres: plain SQL in, domain objects out."""

from datetime import datetime
from uuid import uuid4

import asyncpg

from outreach_shared.db import named
from training.domain.codes import CHECK_IN_LENGTH, VERIFICATION_LENGTH, new_code
from training.domain.registration import Needs, Occupancy, Registration, RegistrationStatus

_SELECT = """
SELECT r.id, r.gathering_id, r.member_id, r.status, r.dietary, r.accessibility, r.needs_accommodation,
       r.registered_at, r.offer_expires_at, r.checked_in_at, r.check_in_code, r.verification_code,
       CASE WHEN r.status = 'waitlisted' THEN (
           SELECT count(*) FROM registrations w
           WHERE w.gathering_id = r.gathering_id AND w.status = 'waitlisted' AND w.queue_seq <= r.queue_seq
       ) END AS position
FROM registrations r
"""


def _to_domain(row: asyncpg.Record) -> Registration:
    return Registration(
        id=str(row["id"]),
        gathering_id=row["gathering_id"],
        member_id=row["member_id"],
        status=RegistrationStatus(row["status"]),
        needs=Needs(row["dietary"], row["accessibility"], row["needs_accommodation"]),
        registered_at=row["registered_at"],
        position=row["position"],
        offer_expires_at=row["offer_expires_at"],
        checked_in_at=row["checked_in_at"],
        check_in_code=row["check_in_code"],
        verification_code=row["verification_code"],
    )


class RegistrationRepository:
    """Reads and writes registrations on one connection (the unit of work's)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def get(self, gathering_id: str, member_id: str) -> Registration | None:
        """The member's registration for the gathering, if any."""
        row = await self.conn.fetchrow(
            _SELECT + "WHERE r.gathering_id = $1 AND r.member_id = $2", gathering_id, member_id
        )
        return _to_domain(row) if row else None

    async def get_by_id(self, registration_id: str) -> Registration | None:
        """A registration by its id."""
        row = await self.conn.fetchrow(_SELECT + "WHERE r.id = $1", registration_id)
        return _to_domain(row) if row else None

    async def get_by_check_in_code(self, gathering_id: str, code: str) -> Registration | None:
        """The registration holding the check-in code (stored form) at the gathering, if any."""
        row = await self.conn.fetchrow(
            _SELECT + "WHERE r.gathering_id = $1 AND r.check_in_code = $2", gathering_id, code
        )
        return _to_domain(row) if row else None

    async def get_by_verification_code(self, code: str) -> Registration | None:
        """The registration whose proof of training has the verification code (stored form), if any."""
        row = await self.conn.fetchrow(_SELECT + "WHERE r.verification_code = $1", code)
        return _to_domain(row) if row else None

    async def list_of_member(self, member_id: str) -> list[Registration]:
        """Every registration of the member, whatever its status."""
        rows = await self.conn.fetch(_SELECT + "WHERE r.member_id = $1", member_id)
        return [_to_domain(r) for r in rows]

    async def register(
        self, *, gathering_id: str, member_id: str, status: RegistrationStatus, needs: Needs, now: datetime
    ) -> Registration:
        """Create the registration with a new check-in code, or renew a withdrawn or lapsed one (at the back of the
        queue, its check-in code kept)."""
        for attempt in range(3):
            try:
                async with self.conn.transaction():  # a savepoint: a check-in code taken by chance is drawn again
                    await self._upsert(gathering_id=gathering_id, member_id=member_id, status=status, needs=needs,
                                       now=now)  # fmt: skip
                break
            except asyncpg.UniqueViolationError as clash:
                if clash.constraint_name != "registrations_check_in_code" or attempt == 2:
                    raise
        registration = await self.get(gathering_id, member_id)
        assert registration is not None
        return registration

    async def _upsert(
        self, *, gathering_id: str, member_id: str, status: RegistrationStatus, needs: Needs, now: datetime
    ) -> None:
        await self.conn.execute(*named(
            """INSERT INTO registrations (id, gathering_id, member_id, status, dietary, accessibility,
                                          needs_accommodation, registered_at, check_in_code)
               VALUES (:id, :gathering_id, :member_id, :status, :dietary, :accessibility,
                       :needs_accommodation, :registered_at, :check_in_code)
               ON CONFLICT (gathering_id, member_id) DO UPDATE SET
                   status = EXCLUDED.status, dietary = EXCLUDED.dietary,
                   accessibility = EXCLUDED.accessibility,
                   needs_accommodation = EXCLUDED.needs_accommodation, registered_at = EXCLUDED.registered_at,
                   queue_seq = nextval('registration_queue'), offer_expires_at = NULL, checked_in_at = NULL,
                   updated_at = now()""",
            id=uuid4(),
            gathering_id=gathering_id,
            member_id=member_id,
            status=status.value,
            dietary=needs.dietary,
            accessibility=needs.accessibility,
            needs_accommodation=needs.needs_accommodation,
            registered_at=now,
            check_in_code=new_code(CHECK_IN_LENGTH),
        ))  # fmt: skip

    async def set_status(
        self, registration_id: str, status: RegistrationStatus, *, offer_expires_at: datetime | None = None
    ) -> None:
        """Move a registration to a new status."""
        await self.conn.execute(*named(
            "UPDATE registrations SET status = :status, offer_expires_at = :offer_expires_at, updated_at = now()"
            " WHERE id = :id",
            id=registration_id, status=status.value, offer_expires_at=offer_expires_at,
        ))  # fmt: skip

    async def occupancy(self, gathering_id: str, capacity: int) -> Occupancy:
        """Places held (confirmed or offered) and members waiting."""
        row = await self.conn.fetchrow(
            """SELECT count(*) FILTER (WHERE status IN ('confirmed', 'offered')) AS holding,
                      count(*) FILTER (WHERE status = 'waitlisted') AS waiting
               FROM registrations WHERE gathering_id = $1""",
            gathering_id,
        )
        assert row is not None
        return Occupancy(capacity=capacity, holding=row["holding"], waiting=row["waiting"])

    async def first_waiting(self, gathering_id: str, count: int) -> list[Registration]:
        """The first `count` members on the waiting list, in order."""
        rows = await self.conn.fetch(
            _SELECT + "WHERE r.gathering_id = $1 AND r.status = 'waitlisted' ORDER BY r.queue_seq LIMIT $2",
            gathering_id,
            count,
        )
        return [_to_domain(r) for r in rows]

    async def list_for(self, gathering_id: str) -> list[Registration]:
        """Every registration of the gathering: places first, then the waiting list in order."""
        rows = await self.conn.fetch(
            _SELECT
            + """WHERE r.gathering_id = $1 ORDER BY
                CASE r.status WHEN 'confirmed' THEN 0 WHEN 'offered' THEN 1
                              WHEN 'waitlisted' THEN 2 ELSE 3 END,
                r.queue_seq""",
            gathering_id,
        )
        return [_to_domain(r) for r in rows]

    async def member_ids(self, gathering_id: str, statuses: frozenset[RegistrationStatus]) -> list[str]:
        """Ids of the members whose registration has one of the statuses."""
        rows = await self.conn.fetch(
            "SELECT member_id FROM registrations WHERE gathering_id = $1 AND status = ANY($2::text[])",
            gathering_id,
            [s.value for s in statuses],
        )
        return [r["member_id"] for r in rows]

    async def checked_in_ids(self, gathering_id: str) -> list[str]:
        """Ids of the members checked in."""
        rows = await self.conn.fetch(
            "SELECT member_id FROM registrations WHERE gathering_id = $1 AND checked_in_at IS NOT NULL",
            gathering_id,
        )
        return [r["member_id"] for r in rows]

    async def check_in(self, registration_id: str, now: datetime) -> None:
        """Record the member's arrival."""
        await self.conn.execute(
            "UPDATE registrations SET checked_in_at = $2, updated_at = now() WHERE id = $1",
            registration_id,
            now,
        )

    async def issue_certificates(self, gathering_id: str) -> int:
        """Give every member checked in at the gathering a proof of training's verification code (once); returns how
        many were issued."""
        ids = await self.conn.fetch(
            "SELECT id FROM registrations WHERE gathering_id = $1 AND checked_in_at IS NOT NULL"
            " AND verification_code IS NULL",
            gathering_id,
        )
        await self.conn.execute(
            """UPDATE registrations r SET verification_code = v.code, updated_at = now()
               FROM unnest($1::uuid[], $2::text[]) AS v(id, code) WHERE r.id = v.id""",
            [row["id"] for row in ids],
            [new_code(VERIFICATION_LENGTH) for _ in ids],
        )
        return len(ids)

    async def gathering_ids_of(self, member_id: str) -> list[str]:
        """The gatherings the member has registered for, in id order (the order to lock them in)."""
        rows = await self.conn.fetch(
            "SELECT DISTINCT gathering_id FROM registrations WHERE member_id = $1 ORDER BY 1", member_id
        )
        return [r["gathering_id"] for r in rows]

    async def erase_member(self, member_id: str) -> list[Registration]:
        """Forget the member: needs cleared, id replaced, counts kept; returns the rows as they were."""
        rows = await self.conn.fetch(_SELECT + "WHERE r.member_id = $1 FOR UPDATE OF r", member_id)
        await self.conn.execute(
            """UPDATE registrations SET member_id = 'erased:' || id::text,
                   dietary = NULL, accessibility = NULL,
                   needs_accommodation = false, updated_at = now()
               WHERE member_id = $1""",
            member_id,
        )
        return [_to_domain(r) for r in rows]


async def offered_places(conn: asyncpg.Connection) -> dict[str, tuple[int, datetime]]:
    """Places offered and not yet answered, per gathering: how many, and when the first offer lapses."""
    rows = await conn.fetch(
        "SELECT gathering_id, count(*) AS offered, min(offer_expires_at) AS first_expiry FROM registrations"
        " WHERE status = 'offered' GROUP BY gathering_id"
    )
    return {str(r["gathering_id"]): (r["offered"], r["first_expiry"]) for r in rows}
