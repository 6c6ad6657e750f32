"""Invitations: fan-out on publishing, late joiners, and the reminder a week before registration closes."""

from collections.abc import Sequence

import asyncpg

from training.adapters.gatherings import GatheringRepository
from training.adapters.roster import InvitationRepository, RosterRepository
from training.domain import notices
from training.domain.gathering import Gathering, GatheringStatus
from training.domain.roster import RosterMember
from training.service_layer.outbox import Emitter


async def invite(conn: asyncpg.Connection, emitter: Emitter, g: Gathering, members: Sequence[RosterMember]) -> int:
    """Invite the eligible members not invited yet, in bulk; returns how many were invited."""
    eligible = [m.member_id for m in members if g.invites(m)]
    invited = await InvitationRepository(conn).add_many(g.id, eligible)
    await emitter.emit(conn, g.id, (notices.invitation(g, member_id) for member_id in invited))
    return len(invited)


async def invite_everyone_eligible(conn: asyncpg.Connection, emitter: Emitter, g: Gathering) -> int:
    """Invite every eligible member of the roster (on publishing)."""
    candidates = await RosterRepository(conn).active_in(g.audience)
    return await invite(conn, emitter, g, candidates)


async def remind_unanswered(conn: asyncpg.Connection, emitter: Emitter, gathering_id: str) -> int:
    """Remind (once) every invited member who has not registered; returns how many."""
    g = await GatheringRepository(conn).get(gathering_id, lock=True)
    if g.status != GatheringStatus.PUBLISHED:
        return 0
    member_ids = await InvitationRepository(conn).take_unanswered_for_reminder(g.id)
    await emitter.emit(conn, g.id, (notices.reminder(g, m) for m in member_ids))
    return len(member_ids)
