"""Writing this service's events to the outbox, in the caller's transaction."""

from collections.abc import Iterable
from dataclasses import dataclass

import asyncpg
from pydantic import BaseModel

from outreach_shared.consumer import HandlerContext
from outreach_shared.contracts import new_envelope
from outreach_shared.outbox import enqueue


@dataclass(frozen=True)
class Emitter:
    """Wraps events in envelopes (producer, correlation and causation) and enqueues them in bulk."""

    producer: str
    correlation_id: str
    causation_id: str | None = None

    @classmethod
    def caused_by(cls, ctx: HandlerContext) -> "Emitter":
        """An emitter for events caused by the event a handler is handling."""
        return cls(ctx.producer, ctx.envelope.correlation_id, str(ctx.envelope.event_id))

    async def emit(self, conn: asyncpg.Connection, key: str, events: Iterable[BaseModel]) -> None:
        """Write the events (keyed by their aggregate id) to the outbox with one batched statement."""
        envelopes = [
            new_envelope(
                e,
                key=key,
                producer=self.producer,
                correlation_id=self.correlation_id,
                causation_id=self.causation_id,
            )
            for e in events
        ]
        if envelopes:
            await enqueue(conn, *envelopes)
