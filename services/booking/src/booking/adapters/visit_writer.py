"""Group commit of new visits: those that arrive while earlier ones are being written go together in one statement.

Under load most of a create's database cost is the statement and its commit, not the rows (a single visit costs
PostgreSQL about twice its share of a statement that writes eight). A write starts as soon as a visit arrives, so a
lone visit waits for nobody; at most `max_writes` run at once, and visits arriving meanwhile queue for the next one.
Each visit gets its own outcome. A statement refused for something in its rows (bad data, a constraint, a deadlock)
is retried one visit at a time, so one visit never fails the others; a lost database fails them all.
"""

import asyncio
from collections.abc import Awaitable, Sequence

import asyncpg
from prometheus_client import Histogram

from booking.adapters.new_visits import add_new_visit, add_new_visits
from booking.domain.new_visits import NewVisit, Outcome
from outreach_shared.db import stateless_connection
from outreach_shared.logging import get_logger
from outreach_shared.metrics import REGISTRY

log = get_logger(__name__)
VISITS_PER_WRITE = Histogram(
    "outreach_booking_visits_per_write", "New visits written by one statement (group commit).",
    registry=REGISTRY, buckets=(1, 2, 4, 8, 16, 32, 64),
)  # fmt: skip
_ROW_SQLSTATE_CLASSES = ("22", "23", "40", "P0")  # data, integrity, transaction rollback (deadlock), plpgsql raise


class NewVisitWriter:
    """Writes new visits (`add`), coalescing those that wait into one statement of up to `max_batch`."""

    def __init__(self, pool: asyncpg.Pool, *, max_open: int, max_batch: int = 32, max_writes: int = 2) -> None:
        self.max_open = max_open
        self._pool = pool
        self._max_batch = max_batch
        self._max_writes = max_writes
        self._waiting: list[tuple[NewVisit, asyncio.Future[Outcome]]] = []
        self._writes: set[asyncio.Task[None]] = set()
        self._start_scheduled = False

    async def add(self, new: NewVisit) -> Outcome:
        """Write a new visit; its outcome once committed. If the caller goes away meanwhile, the write still ends."""
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._waiting.append((new, future))
        self._schedule_start()
        return await future

    async def drain(self) -> None:
        """Wait until every visit handed over has been written (at shutdown)."""
        while self._waiting or self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)
            await asyncio.sleep(0)

    def _schedule_start(self) -> None:
        """Start a write at the end of this turn of the event loop, so visits arriving in the same turn go together."""
        if self._waiting and not self._start_scheduled and len(self._writes) < self._max_writes:
            self._start_scheduled = True
            asyncio.get_running_loop().call_soon(self._start_write)

    def _start_write(self) -> None:
        self._start_scheduled = False
        if not self._waiting or len(self._writes) >= self._max_writes:
            return
        batch, self._waiting = self._waiting[: self._max_batch], self._waiting[self._max_batch :]
        task = asyncio.create_task(self._write(batch), name="booking:new-visits")
        self._writes.add(task)
        task.add_done_callback(self._write_ended)

    def _write_ended(self, task: asyncio.Task[None]) -> None:
        self._writes.discard(task)
        self._schedule_start()

    async def _write(self, batch: list[tuple[NewVisit, asyncio.Future[Outcome]]]) -> None:
        results: list[Outcome | BaseException] = []
        try:
            results = await self._outcomes([new for new, _ in batch])
        except Exception as exc:
            results = [exc] * len(batch)
        finally:
            for (_, future), result in zip(batch, results, strict=False):  # no results: the write was cancelled
                _settle(future, result)
            for _, future in batch:
                _settle(future, RuntimeError("the visit's write was stopped before it ended"))

    async def _outcomes(self, news: Sequence[NewVisit]) -> list[Outcome | BaseException]:
        VISITS_PER_WRITE.observe(len(news))
        if len(news) == 1:
            return [await self._alone(news[0])]
        try:
            async with stateless_connection(self._pool) as conn:
                return list(await add_new_visits(conn, news, max_open=self.max_open))
        except asyncpg.PostgresError as exc:
            if not (exc.sqlstate or "").startswith(_ROW_SQLSTATE_CLASSES):
                raise
            log.warning("a write of new visits was refused; writing them one by one", sqlstate=exc.sqlstate)
        return [await _captured(self._alone(new)) for new in news]

    async def _alone(self, new: NewVisit) -> Outcome:
        async with stateless_connection(self._pool) as conn:
            return await add_new_visit(conn, new, max_open=self.max_open)


async def _captured(write: Awaitable[Outcome]) -> Outcome | BaseException:
    try:
        return await write
    except Exception as exc:
        return exc


def _settle(future: asyncio.Future[Outcome], result: Outcome | BaseException) -> None:
    if future.done():  # settled already, or its caller went away
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)
