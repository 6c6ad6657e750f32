"""Keeping the members sign-in knows in step with the roster."""

from outreach_shared.contracts.ambassadors import MemberSnapshot
from portal.domain.members import RosterMember
from portal.service_layer.unit_of_work import PortalUnit


def from_snapshot(snapshot: MemberSnapshot) -> RosterMember:
    """What sign-in keeps of a member's snapshot: id, address, active, preferred language."""
    return RosterMember(member_id=snapshot.member_id, email=str(snapshot.email), active=snapshot.active,
                        language=snapshot.preferred_language)  # fmt: skip


async def record_member(uow: PortalUnit, member: RosterMember) -> None:
    """Keep the member as the roster says now."""
    await uow.members.keep(member)


async def erase_member(uow: PortalUnit, member_id: str) -> None:
    """Forget an erased member."""
    await uow.members.forget(member_id)
