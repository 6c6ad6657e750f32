"""Invitations: fan-out on publishing, late joiners, and the reminder a week before registration closes."""

from collections.abc import Sequence

from training.domain import notices
from training.domain.gathering import Gathering, GatheringStatus
from training.domain.roster import RosterMember
from training.service_layer.unit_of_work import TrainingUnit


async def invite(uow: TrainingUnit, g: Gathering, members: Sequence[RosterMember]) -> int:
    """Invite the eligible members not invited yet, in bulk; returns how many were invited."""
    eligible = [m.member_id for m in members if g.invites(m)]
    invited = await uow.invitations.add_many(g.id, eligible)
    for member_id in invited:
        await uow.emit(notices.invitation(g, member_id), key=g.id)
    return len(invited)


async def invite_everyone_eligible(uow: TrainingUnit, g: Gathering) -> int:
    """Invite every eligible member of the roster (on publishing)."""
    return await invite(uow, g, await uow.roster.active_in(g.audience))


async def remind_unanswered(uow: TrainingUnit, gathering_id: str) -> int:
    """Remind (once) every invited member who has not registered; returns how many."""
    g = await uow.gatherings.get(gathering_id, lock=True)
    if g.status != GatheringStatus.PUBLISHED:
        return 0
    member_ids = await uow.invitations.take_unanswered_for_reminder(g.id)
    for member_id in member_ids:
        await uow.emit(notices.reminder(g, member_id), key=g.id)
    return len(member_ids)
