"""Kafka event handlers (visits from booking, gatherings from training) and timer handlers."""

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from pydantic import BaseModel

from ambassadors.service_layer import answers, members, visits
from ambassadors.service_layer.staffing import OFFER_EXPIRY, TEAM_SEARCH
from ambassadors.service_layer.unit_of_work import Config, Work
from outreach_shared.consumer import Handler, HandlerContext
from outreach_shared.contracts.booking import (
    TeamReleaseRequested,
    VisitCancelled,
    VisitCompleted,
    VisitRequested,
    VisitRescheduled,
)
from outreach_shared.contracts.training import GatheringCompleted
from outreach_shared.outbox import enqueue
from outreach_shared.runtime import Runtime
from outreach_shared.timers import Timer, TimerHandler

UseCase = Callable[[Work, Any], Awaitable[None]]


async def on_gathering_completed(work: Work, event: GatheringCompleted) -> None:
    """Members checked in at the gathering are trained this year."""
    await members.mark_trained(work, event.trained_member_ids, event.year)


USE_CASES: dict[str, UseCase] = {
    "visit.requested": visits.visit_requested,
    "visit.cancelled": visits.visit_cancelled,
    "visit.rescheduled": visits.visit_rescheduled,
    "visit.team-release-requested": visits.team_release_requested,
    "visit.completed": visits.visit_completed,
    "gathering.completed": on_gathering_completed,
}
_PAYLOADS = (VisitRequested, VisitCancelled, VisitRescheduled, TeamReleaseRequested, VisitCompleted)


def event_handlers(config: Config) -> dict[str, Handler]:
    """Each consumed event type's handler, running its use case in the inbox's transaction."""

    def handler(use_case: UseCase) -> Handler:
        async def handle(ctx: HandlerContext, payload: Any) -> None:
            async def emit(event: BaseModel, key: str) -> None:
                await ctx.emit(event, key=key)

            await use_case(Work(ctx.conn, emit, ctx.envelope.correlation_id, config), payload)

        return handle

    return {event_type: handler(use_case) for event_type, use_case in USE_CASES.items()}


def timer_handlers(runtime: Runtime, config: Config) -> dict[str, TimerHandler]:
    """Offer expiry and the later search for unfilled seats."""

    def work_for(conn: asyncpg.Connection, timer: Timer) -> Work:
        correlation_id = str(timer.payload.get("correlation_id") or f"timer:{timer.kind}:{timer.key}")

        async def emit(event: BaseModel, key: str) -> None:
            await enqueue(conn, runtime.envelope(event, key=key, correlation_id=correlation_id))

        return Work(conn, emit, correlation_id, config)

    async def on_offer_expiry(conn: asyncpg.Connection, timer: Timer) -> None:
        await answers.expire_offer(work_for(conn, timer), str(timer.payload["offer_id"]))

    async def on_team_search(conn: asyncpg.Connection, timer: Timer) -> None:
        await answers.search_again(work_for(conn, timer), timer.key)

    return {OFFER_EXPIRY: on_offer_expiry, TEAM_SEARCH: on_team_search}
