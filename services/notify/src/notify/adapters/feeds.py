"""SQL for calendar feeds: their hashed secrets and scopes, where visits belong, and a feed's entries in one query."""

from datetime import datetime

import asyncpg

from notify.domain.feeds import FeedEntry, FeedInfo, FeedOwner
from outreach_shared.calendar import CalendarEvent
from outreach_shared.db import named

ROTATE = """INSERT INTO calendar_feeds (owner, secret_hash, scope_kind, scope_ref, fylker, kommuner, created_at)
VALUES (:owner, :secret_hash, :scope_kind, :scope_ref, :fylker, :kommuner, :at)
ON CONFLICT (owner) DO UPDATE SET secret_hash = EXCLUDED.secret_hash, scope_kind = EXCLUDED.scope_kind,
    scope_ref = EXCLUDED.scope_ref, fylker = EXCLUDED.fylker, kommuner = EXCLUDED.kommuner,
    created_at = EXCLUDED.created_at"""

# One round trip per poll: the feed by its secret's hash (unique index), then what its scope holds, through indexes
# (calendar_holdings by recipient or by its key; visit_places by orgnr). A known feed always gives a row (its
# entries, or one row of nulls); an unknown secret none.
ENTRIES = """WITH feed AS (
    SELECT scope_kind, scope_ref, fylker, kommuner, created_at FROM calendar_feeds WHERE secret_hash = :secret_hash
), places AS (
    SELECT p.uid, p.school FROM feed JOIN visit_places p ON feed.scope_kind = 'school' AND p.orgnr = feed.scope_ref
    UNION ALL
    SELECT p.uid, p.school FROM feed JOIN visit_places p ON feed.scope_kind = 'region' AND (
        (cardinality(feed.fylker) = 0 AND cardinality(feed.kommuner) = 0)
        OR p.kommune = ANY(feed.kommuner) OR left(p.kommune, 2) = ANY(feed.fylker))
), held AS (
    SELECT h.* FROM feed JOIN calendar_holdings h ON feed.scope_kind = 'member' AND h.recipient = feed.scope_ref
    UNION ALL
    SELECT h.* FROM places CROSS JOIN LATERAL (  -- one lookup by key per visit (LIMIT 1: kept a nested loop)
        SELECT * FROM calendar_holdings WHERE uid = places.uid AND recipient = places.school LIMIT 1
    ) h
)
SELECT feed.created_at AS feed_created_at, held.uid, held.sequence, held.cancelled, held.start_at, held.end_at,
       held.summary, held.location, held.changed_at
FROM feed LEFT JOIN held ON NOT held.cancelled OR held.changed_at > :since"""


class CalendarFeeds:
    """Calendar feeds and where visits belong, over one connection."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def rotate(self, owner: FeedOwner, secret_hash: bytes, *, at: datetime) -> FeedInfo:
        """Give the owner's feed a new secret (creating it): the old one stops working with this transaction."""
        scope = owner.scope
        await self.conn.execute(*named(
            ROTATE, owner=owner.key, secret_hash=secret_hash, scope_kind=scope.kind, scope_ref=scope.ref,
            fylker=sorted(scope.region.fylker), kommuner=sorted(scope.region.kommuner), at=at,
        ))  # fmt: skip
        return FeedInfo(owner.key, at)

    async def get(self, owner: FeedOwner) -> FeedInfo | None:
        """The owner's feed, if they have one."""
        at = await self.conn.fetchval(
            *named("SELECT created_at FROM calendar_feeds WHERE owner = :owner", owner=owner.key)
        )
        return FeedInfo(owner.key, at) if at is not None else None

    async def delete(self, owner_key: str) -> bool:
        """Revoke the owner's feed; False if they had none."""
        deleted = await self.conn.fetchval(
            *named("DELETE FROM calendar_feeds WHERE owner = :owner RETURNING owner", owner=owner_key)
        )
        return deleted is not None

    async def entries(self, secret_hash: bytes, *, since: datetime) -> tuple[datetime, list[FeedEntry]] | None:
        """The feed's creation and what its scope holds (live, or cancelled after `since`); None for an unknown
        secret."""
        rows = await self.conn.fetch(*named(ENTRIES, secret_hash=secret_hash, since=since))
        if not rows:
            return None
        return rows[0]["feed_created_at"], [_entry(row) for row in rows if row["uid"] is not None]

    async def place_visit(self, *, visit_id: str, uid: str, school: str, orgnr: str, kommune: str) -> None:
        """Remember which school (orgnr) and kommune a visit belongs to."""
        await self.conn.execute(*named(
            """INSERT INTO visit_places (visit_id, uid, school, orgnr, kommune)
               VALUES (:visit_id, :uid, :school, :orgnr, :kommune)
               ON CONFLICT (visit_id) DO UPDATE SET orgnr = EXCLUDED.orgnr, kommune = EXCLUDED.kommune
               WHERE (visit_places.orgnr, visit_places.kommune) IS DISTINCT FROM (EXCLUDED.orgnr, EXCLUDED.kommune)""",
            visit_id=visit_id, uid=uid, school=school, orgnr=orgnr, kommune=kommune,
        ))  # fmt: skip


def _entry(row: asyncpg.Record) -> FeedEntry:
    event = CalendarEvent(
        uid=row["uid"], sequence=row["sequence"], start=row["start_at"], end=row["end_at"], summary=row["summary"],
        location=row["location"], cancelled=row["cancelled"],
    )  # fmt: skip
    return FeedEntry(event, row["changed_at"])
