"""The organisers' daily digest of dead letters and failed deliveries, driven by a durable timer."""

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import asyncpg

from notify.domain.channels import OSLO
from notify.domain.notices import NoticeDraft, NoticeType, Recipient
from notify.domain.reminders import DIGEST
from notify.service_layer.planning import plan
from outreach_shared import timers
from outreach_shared.timers import Timer


def next_digest_at(now: datetime, at: time) -> datetime:
    """The next time of day `at` (Europe/Oslo) after `now`."""
    local = now.astimezone(OSLO)
    candidate = datetime.combine(local.date(), at, tzinfo=OSLO)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=OSLO)
    return candidate


def _key(day: date) -> str:
    return f"digest:{day.isoformat()}"


async def ensure_scheduled(conn: asyncpg.Connection | asyncpg.Pool, now: datetime, at: time) -> None:
    """Make sure a digest is pending (idempotent: one timer per day, never moved once set)."""
    due = next_digest_at(now, at)
    await conn.execute(
        """INSERT INTO timers (kind, key, due_at) SELECT $1, $2, $3
           WHERE NOT EXISTS (SELECT 1 FROM timers WHERE kind = $1 AND status = 'pending')
           ON CONFLICT (kind, key) DO NOTHING""",
        DIGEST,
        _key(due.date()),
        due,
    )


async def _collect(conn: asyncpg.Connection) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    letters = await conn.fetch(
        """UPDATE dead_letters SET digested_at = now() WHERE digested_at IS NULL
           RETURNING topic, consumer, reason, "offset" """
    )
    failed = await conn.fetch(
        """UPDATE deliveries d SET digested_at = now() FROM notices n
           WHERE n.id = d.notice_id AND d.status = 'failed' AND d.digested_at IS NULL
           RETURNING n.notice_type, d.recipient, d.channel, d.attempts, coalesce(d.last_error, '') AS last_error"""
    )
    return [dict(r.items()) for r in letters], [dict(r.items()) for r in failed]


async def send_digest(conn: asyncpg.Connection, timer: Timer, organisers: list[str], at: time) -> None:
    """List what went wrong since the last digest to every organiser, then set tomorrow's digest."""
    letters, failed = await _collect(conn)
    if letters or failed:
        day = timer.due_at.astimezone(OSLO).date().isoformat()
        ctx = {"day": day, "dead_letters": letters, "failed": failed}
        drafts = [
            NoticeDraft.of(NoticeType.ORGANISER_DIGEST, Recipient("organiser", o), "digest", ctx) for o in organisers
        ]
        event_id = uuid5(NAMESPACE_URL, f"notify:{timer.kind}:{timer.key}")
        await plan(conn, drafts, event_id=event_id, correlation_id=f"timer:{timer.key}")
    following = next_digest_at(max(timer.due_at, datetime.now(OSLO)), at)
    if _key(following.date()) == timer.key:  # fired ahead of its day (by hand): the next is the day after
        following = next_digest_at(following, at)
    await timers.schedule(conn, DIGEST, _key(following.date()), following)
