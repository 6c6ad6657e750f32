"""Organisers' operations on dead letters: the list, newest first, and a replay of one to its original topic."""

from collections.abc import Awaitable, Callable

from notify.adapters.dead_letters import StoredDeadLetter
from notify.service_layer.unit_of_work import NotifyUnit
from outreach_shared.dead_letters import DeadLetter, Publish, replay
from outreach_shared.errors import Conflict, NotFound

Fetch = Callable[[int, int], Awaitable[DeadLetter | None]]
"""Reads the record at (partition, offset) of the dead-letter topic (None once the topic no longer holds it)."""


async def dead_letters(uow: NotifyUnit, *, before: tuple[int, int] | None, limit: int) -> list[StoredDeadLetter]:
    """A page of dead letters, newest first."""
    return await uow.dead_letters.page(before=before, limit=limit)


async def replay_dead_letter(uow: NotifyUnit, fetch: Fetch, publish: Publish, *, partition: int, offset: int,
                             by: str, again: bool) -> StoredDeadLetter:  # fmt: skip
    """Publish the dead letter's original record again to its original topic (each consumer's inbox drops an event
    it has handled), once: a second replay must be asked for with `again`. Published first and noted after, so a
    replay that fails is not noted; two at once take turns on the row."""
    stored = await uow.dead_letters.lock(partition, offset)
    if stored is None:
        raise NotFound("no such dead letter")
    if stored.replayed_at is not None and not again:
        raise Conflict(f"already replayed at {stored.replayed_at.isoformat()}: ask again=true to replay it once more")
    letter = await fetch(partition, offset)
    if letter is None:
        raise Conflict("the dead-letter topic no longer holds this record (past its retention): it cannot be replayed")
    await replay(letter, publish)
    return await uow.dead_letters.mark_replayed(partition, offset, by=by, at=uow.now)
