"""Kafka handlers: the ambassadors service's team events (offers, teams, members leaving) move visits along;
member erasure."""

from collections.abc import Callable

from booking.domain.model import Visit
from booking.service_layer.team_events import apply_team_event, erase_member
from booking.service_layer.unit_of_work import Clock
from outreach_shared.consumer import Handler, HandlerContext
from outreach_shared.contracts.ambassadors import (
    MemberErased,
    MemberReleased,
    NoTeamAvailable,
    OfferMade,
    TeamChanged,
    TeamConfirmed,
)


def make_handlers(clock: Clock) -> dict[str, Handler]:
    """The handlers by event type, stamping status history with `clock`."""

    async def on_offer_made(ctx: HandlerContext, payload: OfferMade) -> None:
        await _apply(ctx, payload.visit_id, [payload.member_id], lambda v: v.mark_offered(payload.window, clock()))

    async def on_team_confirmed(ctx: HandlerContext, payload: TeamConfirmed) -> None:
        members = [m.member_id for m in payload.members]
        await _apply(ctx, payload.visit_id, members, lambda v: v.confirm_team(payload.window, payload.members, clock()))

    async def on_team_changed(ctx: HandlerContext, payload: TeamChanged) -> None:
        members = [m.member_id for m in payload.members]
        await _apply(ctx, payload.visit_id, members, lambda v: v.change_team(payload.window, payload.members, clock()))

    async def on_no_team(ctx: HandlerContext, payload: NoTeamAvailable) -> None:
        await _apply(ctx, payload.visit_id, [], lambda v: v.mark_unfulfilled(payload.reason, clock()))

    async def on_member_released(ctx: HandlerContext, payload: MemberReleased) -> None:
        await _apply(ctx, payload.visit_id, [], lambda v: v.release_member(payload.member_id, clock()))

    async def on_member_erased(ctx: HandlerContext, payload: MemberErased) -> None:
        await erase_member(ctx.conn, payload.member_id)

    return {
        "offer.made": on_offer_made,
        "team.confirmed": on_team_confirmed,
        "team.changed": on_team_changed,
        "team.none-available": on_no_team,
        "team.member-released": on_member_released,
        "member.erased": on_member_erased,
    }


async def _apply(ctx: HandlerContext, visit_id: str, member_ids: list[str], change: Callable[[Visit], None]) -> None:
    await apply_team_event(
        ctx.conn,
        event_id=ctx.envelope.event_id,
        event_type=ctx.envelope.type,
        visit_id=visit_id,
        member_ids=member_ids,
        change=change,
        emit=ctx.emit,
    )
