"""Offers in SQL. The table's trigger refuses double bookings and offers over the monthly limit."""

from collections.abc import Sequence
from datetime import datetime, timedelta

import asyncpg

from ambassadors.domain.offers import Offer
from ambassadors.domain.visits import OfferOfVisit
from outreach_shared.contracts.booking import VisitRequested
from outreach_shared.contracts.common import TimeWindow
from outreach_shared.db import named
from outreach_shared.logging import get_logger

log = get_logger(__name__)

_COLUMNS = (
    "id, visit_id, member_id, round, status, window_start, window_end, expires_at, reason, decline_reason, override"
)
_HOLDING = "status IN ('offered', 'accepted')"
_SELECTED = ", ".join(f"o.{column.strip()}" for column in _COLUMNS.split(","))


MEMBER_OFFERS = f"""SELECT {_SELECTED}, v.request, v.status AS visit_status
FROM offers o JOIN visits v ON v.id = o.visit_id
WHERE o.member_id = $1 ORDER BY o.window_start DESC, o.id"""
"""A member's offers of every state with their visits (read through `offers_by_member`: a test checks)."""


def _to_offer(row: asyncpg.Record) -> Offer:
    return Offer(
        id=str(row["id"]),
        visit_id=row["visit_id"],
        member_id=str(row["member_id"]),
        round=row["round"],
        status=row["status"],
        window=TimeWindow(start=row["window_start"], end=row["window_end"]),
        expires_at=row["expires_at"],
        reason=row["reason"],
        decline_reason=row["decline_reason"],
        override=row["override"],
    )


class OfferRepository:
    """Offers by id, visit and member."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def add_all(self, offers: Sequence[Offer], *, travel_buffer: timedelta) -> None:
        """Insert offers (in one statement), each holding the member's time from the window's start to its end plus
        the buffer; the table's trigger refuses the statement if any is a double booking or over a monthly limit."""
        await self.conn.execute(*named(
            f"""INSERT INTO offers ({_COLUMNS}, busy)
                SELECT {_SELECTED}, tstzrange(o.window_start, o.window_end + :travel_buffer::interval, '[)')
                FROM unnest(:ids::uuid[], :visit_ids::text[], :member_ids::uuid[], :rounds::int[], :statuses::text[],
                            :starts::timestamptz[], :ends::timestamptz[], :expires::timestamptz[], :reasons::text[],
                            :decline_reasons::text[], :overrides::bool[])
                     WITH ORDINALITY AS o({_COLUMNS}, n)
                ORDER BY o.n""",
            ids=[o.id for o in offers],
            visit_ids=[o.visit_id for o in offers],
            member_ids=[o.member_id for o in offers],
            rounds=[o.round for o in offers],
            statuses=[o.status for o in offers],
            starts=[o.window.start for o in offers],
            ends=[o.window.end for o in offers],
            expires=[o.expires_at for o in offers],
            reasons=[o.reason for o in offers],
            decline_reasons=[o.decline_reason for o in offers],
            overrides=[o.override for o in offers],
            travel_buffer=travel_buffer,
        ))  # fmt: skip

    async def hold(self, offers: Sequence[Offer], *, travel_buffer: timedelta) -> bool:
        """Insert offers in a savepoint, their members' rows locked first in a fixed order (so concurrent matchings
        never deadlock); False, with nothing inserted, when the database refused one as a double booking."""
        try:
            async with self.conn.transaction():  # a savepoint: a refused offer undoes this attempt only
                await self.conn.execute(
                    "SELECT 1 FROM members WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE",
                    sorted(o.member_id for o in offers),
                )
                await self.add_all(offers, travel_buffer=travel_buffer)
        except asyncpg.ExclusionViolationError as exc:
            log.info("offer refused by the database; choosing again", detail=str(exc))
            return False
        return True

    async def get(self, offer_id: str, *, for_update: bool = False) -> Offer | None:
        """One offer."""
        lock = " FOR UPDATE" if for_update else ""
        row = await self.conn.fetchrow(f"SELECT {_COLUMNS} FROM offers WHERE id = $1{lock}", offer_id)
        return _to_offer(row) if row else None

    async def for_visit(self, visit_id: str, round_: int | None = None) -> list[Offer]:
        """A visit's offers (of one round, or all), oldest first."""
        rows = await self.conn.fetch(
            f"SELECT {_COLUMNS} FROM offers WHERE visit_id = $1 AND ($2::int IS NULL OR round = $2) "
            "ORDER BY created_at, id",
            visit_id,
            round_,
        )
        return [_to_offer(r) for r in rows]

    async def holding_for_member(self, member_id: str, *, ending_after: datetime) -> list[Offer]:
        """The member's offered or accepted seats on visits not yet over."""
        rows = await self.conn.fetch(
            f"SELECT {_COLUMNS} FROM offers WHERE member_id = $1 AND {_HOLDING} AND window_end > $2 "
            "ORDER BY window_start",
            member_id,
            ending_after,
        )
        return [_to_offer(r) for r in rows]

    async def save(self, offer: Offer, *, answered: bool = False) -> None:
        """Write an offer's new status."""
        await self.conn.execute(*named(
            "UPDATE offers SET status = :status, decline_reason = :decline_reason,"
            " answered_at = CASE WHEN :answered THEN now() ELSE answered_at END WHERE id = :id",
            id=offer.id, status=offer.status, decline_reason=offer.decline_reason, answered=answered,
        ))  # fmt: skip

    async def commitments(
        self, member_ids: Sequence[str], start: datetime, end: datetime
    ) -> list[tuple[str, datetime, datetime]]:
        """(member, start, end) of offered or accepted windows starting in [start, end)."""
        rows = await self.conn.fetch(
            f"SELECT member_id, window_start, window_end FROM offers WHERE member_id = ANY($1::uuid[]) "
            f"AND {_HOLDING} AND window_start >= $2 AND window_start < $3",
            member_ids,
            start,
            end,
        )
        return [(str(r["member_id"]), r["window_start"], r["window_end"]) for r in rows]

    async def for_member_view(self, member_id: str) -> list[OfferOfVisit]:
        """The member's offers with their visits, newest window first."""
        rows = await self.conn.fetch(MEMBER_OFFERS, member_id)
        return [
            OfferOfVisit(_to_offer(r), VisitRequested.model_validate(r["request"]), r["visit_status"]) for r in rows
        ]

    async def forget_member(self, member_id: str) -> None:
        """Drop the free text the member wrote, and an organiser's note about them (erasure); ids and states stay
        for the visits' history."""
        await self.conn.execute(
            "UPDATE offers SET decline_reason = NULL,"
            " reason = CASE WHEN override THEN 'Offered by an organiser' ELSE reason END WHERE member_id = $1",
            member_id,
        )
