"""The portal's registry: the members read model from the ambassadors' member events."""

from typing import TypeAlias

from outreach_shared.contracts import ambassadors as a
from outreach_shared.skeleton import Registry
from portal.service_layer import roster
from portal.service_layer.unit_of_work import PortalUnit

MemberChange: TypeAlias = a.MemberRegistered | a.MemberUpdated | a.MemberDeactivated | a.MemberReactivated


async def on_member_changed(uow: PortalUnit, event: MemberChange) -> None:
    """Keep the member's address and standing as the ambassadors service says."""
    await roster.record_member(uow, roster.from_snapshot(event.member))


async def on_member_erased(uow: PortalUnit, event: a.MemberErased) -> None:
    """Forget the member."""
    await roster.erase_member(uow, event.member_id)


REGISTRY = Registry[PortalUnit](
    events={
        a.MemberRegistered: on_member_changed,
        a.MemberUpdated: on_member_changed,
        a.MemberDeactivated: on_member_changed,
        a.MemberReactivated: on_member_changed,
        a.MemberErased: on_member_erased,
    }
)
