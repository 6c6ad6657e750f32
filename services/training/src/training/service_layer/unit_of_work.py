"""Training's unit of work: the kit's, with the place-offer deadline and an emitter for the use cases."""

from datetime import timedelta

import asyncpg

from outreach_shared.skeleton import Scope, UnitOfWork
from training.service_layer.outbox import Emitter


class TrainingUnit(UnitOfWork):
    """One transaction of the training service."""

    def __init__(self, conn: asyncpg.Connection, scope: Scope, *, offer_ttl: timedelta) -> None:
        super().__init__(conn, scope)
        self.offer_ttl = offer_ttl

    @property
    def emitter(self) -> Emitter:
        """Writes this transaction's events to the outbox, with its correlation and cause."""
        return Emitter(self.scope.producer, self.scope.correlation_id, self.scope.causation_id)
