"""Durable timer handlers: the invitation reminder and the lapse of a place offer."""

from collections.abc import Mapping

import asyncpg

from outreach_shared.runtime import Runtime
from outreach_shared.timers import Timer, TimerHandler
from training.entrypoints.deps import clock_of, offer_ttl_of
from training.service_layer import invitations, registrations, timer_keys
from training.service_layer.outbox import Emitter


def timer_handlers(runtime: Runtime) -> Mapping[str, TimerHandler]:
    """Handlers of this service's timer kinds, bound to the runtime's clock and settings."""

    def emitter_for(timer: Timer) -> Emitter:
        return Emitter(runtime.name, correlation_id=f"timer:{timer.kind}:{timer.key}")

    async def on_reminder_due(conn: asyncpg.Connection, timer: Timer) -> None:
        await invitations.remind_unanswered(conn, emitter_for(timer), timer.payload["gathering_id"])

    async def on_offer_expired(conn: asyncpg.Connection, timer: Timer) -> None:
        await registrations.lapse_offer(
            conn,
            emitter_for(timer),
            timer.payload["gathering_id"],
            timer.payload["registration_id"],
            now=clock_of(runtime)(),
            ttl=offer_ttl_of(runtime),
        )

    return {timer_keys.INVITATION_REMINDER: on_reminder_due, timer_keys.PLACE_OFFER_EXPIRY: on_offer_expired}
