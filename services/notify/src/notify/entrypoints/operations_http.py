"""HTTP for national organisers' operations: the dead letters (newest first, a page at a time) and replaying one."""

from datetime import datetime
from typing import Annotated, cast

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from notify.adapters.dead_letters import StoredDeadLetter
from notify.entrypoints.dependencies import Begin
from notify.service_layer import operations
from outreach_shared.dead_letters import DeadLetter, read_dead_letter
from outreach_shared.kafka import publisher
from outreach_shared.runtime import Runtime
from outreach_shared.skeleton import NationalOrganiser

router = APIRouter(tags=["operations"])
CURSOR = r"^[0-9]{1,9}-[0-9]{1,18}$"


class DeadLetterOut(BaseModel):
    """A record no consumer could handle: where it sits on `outreach.dead-letters` (partition, offset), where it
    came from (topic, consumer), why, and its replays. Never the payload."""

    partition: int
    offset: int
    topic: str = Field(description="The topic it was read from (where a replay sends it)")
    consumer: str = Field(description="The consumer that gave up on it")
    event_id: str | None = Field(description="The event id its record names (none: the record names none)")
    event_type: str | None = Field(description="The event type its record names (none: the record names none)")
    reason: str
    dead_lettered_at: datetime | None
    received_at: datetime = Field(description="When notify saw it on the dead-letter topic")
    replayed_at: datetime | None = Field(description="When it was last replayed (none: never)")
    replays: int

    @classmethod
    def of(cls, stored: StoredDeadLetter) -> "DeadLetterOut":
        return cls(**vars(stored))


class DeadLetterPageOut(BaseModel):
    """Dead letters, newest first; `next` reads the page after (none after the last)."""

    items: list[DeadLetterOut]
    next: str | None = Field(description="Pass as `before` for the next page")


@router.get("/v1/operations/dead-letters", response_model=DeadLetterPageOut, summary="Dead letters, newest first")
async def dead_letters(
    _: NationalOrganiser,
    begin: Begin,
    before: Annotated[str | None, Query(pattern=CURSOR, description="The `next` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DeadLetterPageOut:
    """Records the services' consumers could not handle, with the reason, newest first (national organisers)."""
    cursor = tuple(int(part) for part in before.split("-")) if before else None
    async with begin() as uow:
        found = await operations.dead_letters(uow, before=cast(tuple[int, int] | None, cursor), limit=limit + 1)
    shown = found[:limit]
    more = len(found) > limit
    return DeadLetterPageOut(items=[DeadLetterOut.of(s) for s in shown],
                             next=f"{shown[-1].partition}-{shown[-1].offset}" if more else None)  # fmt: skip


@router.post("/v1/operations/dead-letters/{partition}/{offset}/replay", response_model=DeadLetterOut,
             summary="Replay a dead letter to its original topic")  # fmt: skip
async def replay_dead_letter(
    partition: Annotated[int, Path(ge=0, le=999_999_999)],
    offset: Annotated[int, Path(ge=0, le=999_999_999_999_999_999)],
    caller: NationalOrganiser,
    request: Request,
    begin: Begin,
    again: Annotated[bool, Query(description="Replay one already replayed once more")] = False,
) -> DeadLetterOut:
    """Publish the record again, unchanged, to the topic it came from, after its cause is fixed: consumers handle it
    as new, and each consumer's inbox drops an event it has already handled. A second replay is refused (409) unless
    `again`; a record past the topic's retention cannot be replayed (409)."""
    runtime = cast(Runtime, request.app.state.runtime)
    bootstrap = runtime.settings.kafka_bootstrap_servers

    async def fetch(on: int, at: int) -> DeadLetter | None:
        return await read_dead_letter(bootstrap, partition=on, offset=at)

    async with begin() as uow:
        replayed = await operations.replay_dead_letter(uow, fetch, publisher(runtime.broker), partition=partition,
                                                       offset=offset, by=str(caller.subject), again=again)  # fmt: skip
    return DeadLetterOut.of(replayed)
