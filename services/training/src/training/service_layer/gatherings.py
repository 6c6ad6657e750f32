"""Organiser use cases: schedule, revise, publish, cancel and complete gatherings."""

from dataclasses import replace
from datetime import datetime
from typing import Any

import asyncpg

from outreach_shared import timers
from outreach_shared.bounds.times import TimeRules
from training.adapters.gatherings import Counts, GatheringRepository
from training.adapters.registrations import RegistrationRepository
from training.domain import notices
from training.domain.gathering import Gathering, GatheringStatus
from training.domain.registration import ACTIVE
from training.domain.schedule import Schedule
from training.service_layer import timer_keys
from training.service_layer.invitations import invite_everyone_eligible
from training.service_layer.outbox import Emitter
from training.service_layer.places import check_places

SCHEDULE_FIELDS = frozenset(Schedule.__dataclass_fields__)


async def create(conn: asyncpg.Connection, g: Gathering, *, now: datetime, rules: TimeRules) -> Gathering:
    """Save a new draft once its places and dates make sense."""
    check_places(g)
    g.check(now=now, rules=rules)
    await GatheringRepository(conn).add(g)
    return g


async def revise(
    conn: asyncpg.Connection, gathering_id: str, changes: dict[str, Any], *, now: datetime, rules: TimeRules
) -> Gathering:
    """Change a draft; the whole result is checked again."""
    repo = GatheringRepository(conn)
    g = await repo.get(gathering_id, lock=True)
    schedule = replace(g.schedule, **{k: v for k, v in changes.items() if k in SCHEDULE_FIELDS})
    others = {k: v for k, v in changes.items() if k not in SCHEDULE_FIELDS}
    revised = g.revise(schedule=schedule, **others)
    check_places(revised)
    revised.check(now=now, rules=rules)
    await repo.save(revised)
    return revised


async def publish(conn: asyncpg.Connection, emitter: Emitter, gathering_id: str, *, now: datetime) -> Gathering:
    """Publish the draft, invite every eligible member and set the reminder."""
    repo = GatheringRepository(conn)
    g = (await repo.get(gathering_id, lock=True)).publish(now=now)
    await repo.save(g)
    await emitter.emit(conn, g.id, [notices.published(g)])
    await invite_everyone_eligible(conn, emitter, g)
    if g.reminder_due_at > now:
        await timers.schedule(
            conn,
            timer_keys.INVITATION_REMINDER,
            timer_keys.reminder_key(g.id),
            g.reminder_due_at,
            {"gathering_id": g.id},
        )
    return g


async def cancel(conn: asyncpg.Connection, emitter: Emitter, gathering_id: str, reason: str) -> Gathering:
    """Cancel the gathering; if it was published, every registered or waiting member is told."""
    repo = GatheringRepository(conn)
    g = await repo.get(gathering_id, lock=True)
    cancelled = g.cancel(reason)
    await repo.save(cancelled)
    if g.status == GatheringStatus.PUBLISHED:
        member_ids = await RegistrationRepository(conn).member_ids(g.id, ACTIVE)
        await timers.cancel_matching(conn, timer_keys.gathering_prefix(g.id))
        await emitter.emit(conn, g.id, [notices.cancelled(cancelled, member_ids)])
    return cancelled


async def complete(conn: asyncpg.Connection, emitter: Emitter, gathering_id: str, *, now: datetime) -> Gathering:
    """Complete the gathering: everyone checked in is trained this year."""
    repo = GatheringRepository(conn)
    g = (await repo.get(gathering_id, lock=True)).complete(now=now)
    await repo.save(g)
    trained = await RegistrationRepository(conn).checked_in_ids(g.id)
    await timers.cancel_matching(conn, timer_keys.gathering_prefix(g.id))
    await emitter.emit(conn, g.id, [notices.completed(g, trained)])
    return g


async def get(conn: asyncpg.Connection, gathering_id: str) -> tuple[Gathering, Counts]:
    """A gathering with its counts."""
    g = await GatheringRepository(conn).get(gathering_id)
    counts = await GatheringRepository(conn).counts([g.id])
    return g, counts.get(g.id, Counts())


async def list_all(
    conn: asyncpg.Connection, *, status: GatheringStatus | None = None
) -> list[tuple[Gathering, Counts]]:
    """Every gathering with its counts."""
    repo = GatheringRepository(conn)
    gatherings = await repo.list_all(status=status)
    counts = await repo.counts([g.id for g in gatherings])
    return [(g, counts.get(g.id, Counts())) for g in gatherings]
