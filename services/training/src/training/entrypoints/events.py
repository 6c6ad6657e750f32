"""Kafka event handlers: the roster read model from the ambassadors' member events."""

from collections.abc import Mapping
from typing import TypeAlias

from outreach_shared.consumer import Handler, HandlerContext
from outreach_shared.contracts import ambassadors as a
from outreach_shared.runtime import Runtime
from training.entrypoints.deps import clock_of, offer_ttl_of
from training.service_layer import roster
from training.service_layer.outbox import Emitter

MemberChange: TypeAlias = a.MemberRegistered | a.MemberUpdated | a.MemberDeactivated | a.MemberReactivated


def member_handlers(runtime: Runtime) -> Mapping[str, Handler]:
    """Handlers of the member events, bound to the runtime's clock and settings."""

    async def on_member_changed(ctx: HandlerContext, payload: MemberChange) -> None:
        member = roster.from_snapshot(payload.member)
        await roster.record_member(ctx.conn, Emitter.caused_by(ctx), member, now=clock_of(runtime)())

    async def on_member_erased(ctx: HandlerContext, payload: a.MemberErased) -> None:
        await roster.erase_member(
            ctx.conn,
            Emitter.caused_by(ctx),
            payload.member_id,
            now=clock_of(runtime)(),
            ttl=offer_ttl_of(runtime),
        )

    return {
        "member.registered": on_member_changed,
        "member.updated": on_member_changed,
        "member.deactivated": on_member_changed,
        "member.reactivated": on_member_changed,
        "member.erased": on_member_erased,
    }
