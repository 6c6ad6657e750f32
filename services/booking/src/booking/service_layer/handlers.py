"""The events booking handles (the ambassadors service's team events move visits along; member erasure) and its
timers (the feedback reminder)."""

from collections.abc import Callable
from uuid import UUID

from pydantic import BaseModel

from booking.adapters.feedback_reminders import FEEDBACK_REMINDER
from booking.domain.model import Visit
from booking.service_layer.feedback import on_feedback_reminder
from booking.service_layer.team_events import apply_team_event, erase_member
from booking.service_layer.unit_of_work import BookingUnit
from outreach_shared.contracts.ambassadors import (
    MemberErased,
    MemberRegistered,
    MemberReleased,
    MemberUpdated,
    NoTeamAvailable,
    OfferMade,
    TeamChanged,
    TeamConfirmed,
)
from outreach_shared.contracts.catalogue import spec_for_model
from outreach_shared.skeleton import Registry


async def on_offer_made(uow: BookingUnit, event: OfferMade) -> None:
    """A seat was offered: the visit is being offered."""
    await _apply(uow, event, event.visit_id, [event.member_id], lambda v: v.mark_offered(event.window, uow.now))


async def on_team_confirmed(uow: BookingUnit, event: TeamConfirmed) -> None:
    """The team is complete: the visit is confirmed."""
    members = [m.member_id for m in event.members]
    await _apply(uow, event, event.visit_id, members, lambda v: v.confirm_team(event.window, event.members, uow.now))


async def on_team_changed(uow: BookingUnit, event: TeamChanged) -> None:
    """A member was replaced in a confirmed team."""
    members = [m.member_id for m in event.members]
    await _apply(uow, event, event.visit_id, members, lambda v: v.change_team(event.window, event.members, uow.now))


async def on_no_team(uow: BookingUnit, event: NoTeamAvailable) -> None:
    """No team could be found: the visit is unfulfilled."""
    await _apply(uow, event, event.visit_id, [], lambda v: v.mark_unfulfilled(event.reason, uow.now))


async def on_member_released(uow: BookingUnit, event: MemberReleased) -> None:
    """A member left a confirmed team: a replacement is sought."""
    await _apply(uow, event, event.visit_id, [], lambda v: v.release_member(event.member_id, uow.now))


async def on_member_erased(uow: BookingUnit, event: MemberErased) -> None:
    """A member was erased: their first name leaves every stored team."""
    await erase_member(uow, event.member_id)


async def on_member_snapshot(uow: BookingUnit, event: MemberRegistered | MemberUpdated) -> None:
    """Keep the member's first name, which teams show (team events carry member ids only)."""
    await uow.visits.keep_first_name(event.member.member_id, event.member.first_name)


async def _apply(
    uow: BookingUnit, event: BaseModel, visit_id: str, member_ids: list[str], change: Callable[[Visit], None]
) -> None:
    await apply_team_event(
        uow, event_id=UUID(uow.scope.causation_id), event_type=spec_for_model(type(event)).type,
        visit_id=visit_id, member_ids=member_ids, change=change, staffing_round=getattr(event, "round", None),
    )  # fmt: skip


REGISTRY = Registry[BookingUnit](
    events={
        OfferMade: on_offer_made,
        TeamConfirmed: on_team_confirmed,
        TeamChanged: on_team_changed,
        NoTeamAvailable: on_no_team,
        MemberReleased: on_member_released,
        MemberErased: on_member_erased,
        MemberRegistered: on_member_snapshot,
        MemberUpdated: on_member_snapshot,
    },
    timers={FEEDBACK_REMINDER: on_feedback_reminder},
)
