"""Fakes for service-layer tests that run in memory: a clock you move, a unit of work with no database.

uow = in_memory(AmbassadorsUnit, now=at(2027, 3, 4), members=FakeMembers(), offers=FakeOffers())
await answers.accept(uow, offer_id, member_id)
assert [type(e) for e in emitted(uow)] == [OfferAccepted]
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn, TypeVar

from pydantic import BaseModel

from outreach_shared.skeleton import Scope, UnitOfWork

U = TypeVar("U", bound=UnitOfWork)


class MovableClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2027, 3, 1, 8, 0, tzinfo=UTC)

    def now(self) -> datetime:
        """The time the test set."""
        return self.current

    def advance(self, by: timedelta) -> datetime:
        """Move the clock forward and return the new time."""
        self.current += by
        return self.current

    def set(self, to: datetime) -> None:
        """Move the clock to `to`."""
        self.current = to


class NoConnection:
    """Stands in for the connection of a unit of work in memory: a use case that goes round its repositories to
    the database fails its test with a clear message."""

    def __getattr__(self, name: str) -> NoReturn:
        raise AssertionError(f"the use case used conn.{name} directly; in memory only the repositories exist")


def in_memory(
    unit: Callable[..., U], *, now: datetime | None = None, correlation_id: str = "test", **repositories: Any
) -> U:
    """A unit of work of the service's class with fake repositories set in place of the real ones."""
    scope = Scope(now=now or datetime(2027, 3, 1, 8, 0, tzinfo=UTC), producer="test", correlation_id=correlation_id)
    uow = unit(NoConnection(), scope)
    for name, repository in repositories.items():
        setattr(uow, name, repository)
    return uow


def emitted(uow: UnitOfWork) -> list[BaseModel]:
    """The event payloads the unit of work emitted, in order (as their contract models)."""
    from outreach_shared.contracts.catalogue import spec_for

    return [spec_for(e.type).model.model_validate(e.payload) for e in uow.scope.emitted]


def emitted_keys(uow: UnitOfWork) -> list[tuple[str, str]]:
    """(event type, key) of each event the unit of work emitted, in order."""
    return [(e.type, e.key) for e in uow.scope.emitted]
