"""The unit of work: one transaction's connection, the service's repositories, the events it emits, and `now`.

A service subclasses `UnitOfWork`, adding its repositories as properties over `self.conn`. Events emitted are
written to the outbox in the same transaction just before it commits, wrapped in this service's envelope with the
correlation id of the request, event or timer that caused them. In unit tests the same class runs in memory with
fake repositories (the development package's fakes).
"""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar, cast

import asyncpg
from fastapi import Depends, Request
from pydantic import BaseModel

from outreach_shared.consumer import Deferred
from outreach_shared.contracts import Envelope, new_envelope
from outreach_shared.outbox import enqueue

if TYPE_CHECKING:
    from outreach_shared.runtime import Runtime


D = TypeVar("D", bound=Deferred)


@dataclass
class Scope:
    """What one transaction's units of work share: the time it began, who caused it, what it emitted and what its
    handlers put off until just before it commits (a consumer's batch shares one scope across its events)."""

    now: datetime
    producer: str
    correlation_id: str
    causation_id: str | None = None
    emitted: list[Envelope] = field(default_factory=list)
    deferred: dict[str, Deferred] = field(default_factory=dict)

    async def finish(self, conn: asyncpg.Connection) -> None:
        """Flush the deferred work, then write the emitted events to the outbox (in the open transaction)."""
        for work in self.deferred.values():
            await work.flush(conn)
        self.deferred.clear()
        if self.emitted:
            await enqueue(conn, *self.emitted)
            self.emitted.clear()


class UnitOfWork:
    """One transaction of a service. Subclasses add the service's repositories over `conn`."""

    def __init__(self, conn: asyncpg.Connection, scope: Scope) -> None:
        self.conn = conn
        self.scope = scope

    @property
    def now(self) -> datetime:
        """The time the unit of work began (one value for all its rules)."""
        return self.scope.now

    @property
    def correlation_id(self) -> str:
        """The correlation id of the request, event or timer being handled."""
        return self.scope.correlation_id

    async def emit(self, event: BaseModel, *, key: str) -> Envelope:
        """Record an event: it is written to the outbox in this transaction, keyed by `key`."""
        scope = self.scope
        envelope = new_envelope(event, key=key, producer=scope.producer, correlation_id=scope.correlation_id,
                                causation_id=scope.causation_id)  # fmt: skip
        scope.emitted.append(envelope)
        return envelope

    def defer(self, name: str, new: Callable[[], D]) -> D:
        """The transaction's deferred work called `name`, made with `new` the first time: flushed once, after the
        last handler and before the emitted events are written (a batch's set-based work)."""
        work = self.scope.deferred.get(name)
        if work is None:
            work = self.scope.deferred[name] = new()
        return cast(D, work)


U = TypeVar("U", bound=UnitOfWork, covariant=True)
UnitFactory = Callable[[asyncpg.Connection, Scope], U]
"""Builds a service's unit of work (its class, or a partial binding the service's configuration)."""


class Begin(Generic[U]):
    """Opens units of work for one request: `async with begin() as uow:` is one transaction, committed with its
    events at the end of the block (rolled back if it raises)."""

    def __init__(self, runtime: "Runtime", correlation_id: str) -> None:
        self._runtime = runtime
        self._correlation_id = correlation_id

    def __call__(self) -> AbstractAsyncContextManager[U]:
        return cast(AbstractAsyncContextManager[U], self._runtime.unit_of_work(self._correlation_id))


async def begin(request: Request) -> Begin[Any]:
    """FastAPI dependency: a `Begin` for the running service and this request's correlation id."""
    return Begin(request.app.state.runtime, request.state.correlation_id)


BeginDep = Annotated[Begin[Any], Depends(begin)]


@asynccontextmanager
async def unit_in(
    conn: asyncpg.Connection, scope: Scope, factory: UnitFactory[UnitOfWork]
) -> AsyncIterator[UnitOfWork]:
    """A unit of work on a connection already in a transaction, finishing its scope when the block ends."""
    unit = factory(conn, scope)
    yield unit
    await scope.finish(conn)
