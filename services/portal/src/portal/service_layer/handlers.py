"""The portal's registry: the members read model from the ambassadors' member events, and organisers' overrides
(a seat offered to a named member, a visit marked completed for its team) into the audit trail."""

from typing import TypeAlias

from outreach_shared.contracts import ambassadors as a
from outreach_shared.contracts import booking as b
from outreach_shared.skeleton import Registry
from portal.service_layer import roster, trail
from portal.service_layer.unit_of_work import PortalUnit

MemberChange: TypeAlias = a.MemberRegistered | a.MemberUpdated | a.MemberDeactivated | a.MemberReactivated


async def on_member_changed(uow: PortalUnit, event: MemberChange) -> None:
    """Keep the member's address and standing as the ambassadors service says."""
    await roster.record_member(uow, roster.from_snapshot(event.member))


async def on_member_erased(uow: PortalUnit, event: a.MemberErased) -> None:
    """Forget the member."""
    await roster.erase_member(uow, event.member_id)


async def on_offer_made(uow: PortalUnit, event: a.OfferMade) -> None:
    """An organiser's override offer is audited (who, which visit, which member by id); matching's are not."""
    if event.override:
        trail.record(uow, actor=event.by or "organiser", action="organiser_override", target=f"visit:{event.visit_id}",
                     details={"override": "offer_to_member", "offer_id": event.offer_id,
                              "member_id": event.member_id})  # fmt: skip


async def on_visit_completed(uow: PortalUnit, event: b.VisitCompleted) -> None:
    """A visit an organiser marked completed on the team's behalf is audited."""
    if event.completed_by == "organiser":
        trail.record(uow, actor=event.by or "organiser", action="organiser_override", target=f"visit:{event.visit_id}",
                     details={"override": "mark_completed", "pupils_reached": event.pupils_reached})  # fmt: skip


REGISTRY = Registry[PortalUnit](
    events={
        a.MemberRegistered: on_member_changed,
        a.MemberUpdated: on_member_changed,
        a.MemberDeactivated: on_member_changed,
        a.MemberReactivated: on_member_changed,
        a.MemberErased: on_member_erased,
        a.OfferMade: on_offer_made,
        b.VisitCompleted: on_visit_completed,
    }
)
