"""One registry per service: each event payload type and each timer kind, mapped to the handler that runs it.

Handlers take the service's unit of work and the event payload (or the timer) and return nothing; the registry
turns them into what the kit's consumer and timer runner call, and says which topics the service consumes.
"""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from outreach_shared.contracts.catalogue import spec_for_model
from outreach_shared.timers import Timer

U = TypeVar("U")
EventHandler = Callable[[U, Any], Awaitable[None]]
TimerHandler = Callable[[U, Timer], Awaitable[None]]


@dataclass(frozen=True)
class Registry(Generic[U]):
    """The handlers of one consumer (its inbox and group) and of the service's timers."""

    events: Mapping[type[BaseModel], EventHandler[U]] = field(default_factory=dict)
    timers: Mapping[str, TimerHandler[U]] = field(default_factory=dict)

    def event_types(self) -> dict[str, EventHandler[U]]:
        """The handlers by the event type names on the wire (from the contracts' catalogue)."""
        return {spec_for_model(model).type: handler for model, handler in self.events.items()}

    def topics(self) -> list[str]:
        """The topics carrying the events handled here."""
        return sorted({spec_for_model(model).topic for model in self.events})
